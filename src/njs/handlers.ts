/**
 * The bundle's entry point: every handler nginx names (`js_content mlflow_uma_gate.<name>` in nginx/*.conf).
 * The build and a unit test check that this list and the conf's names are the same.
 */
import { authorize } from './authorize';
import { callback, logout } from './browser';
import { attribute, exchange } from './helper-server';
import { health, loginSettings, whoami } from './information';

export default { attribute, authorize, callback, exchange, health, loginSettings, logout, whoami };
