/** What the gate tells about itself and its callers: health, the login settings, and `whoami`. */
import { identifyCaller } from '../core/authorize';
import { authorizationHeaders, handler, JSON_HEADERS, respond, send } from './frame';
import { askPermissions, discoveryStatus, resolveCaller } from './keycloak';

/** The gate's own health: 200 when Keycloak answers, 503 otherwise. Needs no token. */
export const health = /* @__PURE__ */ handler(async (frame) => {
  const status = await discoveryStatus(frame);
  const reachable = status === 200;
  const body = JSON.stringify({
    status: reachable ? 'ok' : 'unavailable',
    keycloak: reachable ? 'reachable' : `unreachable (status ${status})`,
    njs: njs.version,
  });
  send(frame, reachable ? 200 : 503, JSON_HEADERS, body);
}, respond);

/** Where `mlflow-uma-gate login` signs people in: the realm and the public client. Needs no token. */
export const loginSettings = /* @__PURE__ */ handler((frame) => {
  send(frame, 200, JSON_HEADERS, JSON.stringify({ issuer: frame.config.tokenPolicy.issuer, client_id: frame.config.loginClient, resource_server: frame.config.resourceServer }));
}, respond);

/** The caller's name and what the realm lets them do on MLflow: `mlflow-uma-gate whoami`. */
export const whoami = /* @__PURE__ */ handler(async (frame) => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const caller = identifyCaller(authorizationHeaders(frame.r), frame.config.tokenPolicy, nowSeconds);
  if (!caller.ok) {
    frame.refuse(caller.refusal);
    return;
  }
  const identified = await resolveCaller(frame, caller.caller, nowSeconds);
  if (!identified.ok) {
    frame.refuse(identified.refusal);
    return;
  }
  const permissions = await askPermissions(frame, identified.token);
  if (!permissions.ok) {
    frame.refuse(permissions.refusal);
    return;
  }
  send(frame, 200, JSON_HEADERS, JSON.stringify({ user: identified.claims.username, client: identified.claims.clientId, permissions: permissions.permissions }));
}, respond);
