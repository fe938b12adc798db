/** The helper server's handlers (nginx/mlflow-uma-gate.helper.conf): attribution runs for every request it rewrites. */
import { attribute, exchange } from '../helper-server';

export default { attribute, exchange };
