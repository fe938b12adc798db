/**
 * The `auth_request` handler alone: nginx runs it for every request to MLflow, and njs 0.7.9 evaluates the
 * whole top level of the bundle a location imports on every request, so this bundle holds nothing else.
 */
import { authorize } from '../authorize';

export default { authorize };
