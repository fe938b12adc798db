/**
 * The bundle's entry point: every handler nginx names (`js_content mlflow_uma_gate.<name>`, `js_set … mlflow_uma_gate.<name>`
 * in nginx/*.conf). The build and a unit test check that this list and the conf's names are the same.
 */
import { authorize } from './authorize';
import { callback, logout } from './browser';
import { attribute, exchange } from './helper-server';
import { health, loginSettings, whoami } from './information';
import { issuerHost, issuerPath } from './keycloak';
import { projectDecision, projectLookup, projects } from './project-server';

export default { attribute, authorize, callback, exchange, health, issuerHost, issuerPath, loginSettings, logout, projectDecision, projectLookup, projects, whoami };
