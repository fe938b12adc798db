/**
 * End to end with the real mlflow Python client against the native stack: nginx + njs with the built bundle,
 * Keycloak with the shipped realm, MLflow on Postgres with proxied artifacts (started by test/support/e2e-setup.ts).
 */
import { inject } from 'vitest';
import { mlflowClientSpec } from '../support/mlflow-client-spec.js';

mlflowClientSpec(() => inject('nativeStack'));
