/**
 * js_content handlers of the helper server (nginx/mlflow-uma-gate.helper.conf), which only this nginx reaches:
 * the token exchange behind the exchange cache, and the attribution of request bodies.
 */
import { attributeBody, attributedTarget } from '../core/attribution';
import { exchangedTokenCacheSeconds, exchangePayload, exchangeSealingMaterial, interpretTokenResponse } from '../core/credentials';
import { helperHandler, JSON_HEADERS, send } from './frame';
import { KEYCLOAK_LOCATIONS, postToKeycloak } from './keycloak';
import { seal } from './sealing';

const HELPER_MLFLOW_LOCATION = '/_mlflow_gate/mlflow';

function requestBody(r: NginxHTTPRequest): string {
  return r.requestText ? String(r.requestText) : '';
}

/**
 * Asks Keycloak's token endpoint once and answers with the tokens sealed under the credential, and with how
 * long nginx may cache that answer (X-Accel-Expires). Failures are never cached.
 */
export const exchange = /* @__PURE__ */ helperHandler(async (frame) => {
  const body = requestBody(frame.r);
  const reply = await postToKeycloak(frame, KEYCLOAK_LOCATIONS.token, body);
  const exchanged = interpretTokenResponse(reply.status, reply.body);
  if (!exchanged.ok) {
    if (exchanged.status === 503) frame.r.error(`mlflow-uma-gate: token exchange failed: ${exchanged.reason}`);
    send(frame, exchanged.status, { ...JSON_HEADERS, 'X-Accel-Expires': '0' }, JSON.stringify({ error: exchanged.reason }));
    return;
  }
  const sealed = await seal(exchangeSealingMaterial(body), exchangePayload(exchanged));
  const cacheSeconds = exchangedTokenCacheSeconds(exchanged.expiresIn, exchanged.refreshExpiresIn);
  send(frame, 200, { ...JSON_HEADERS, 'X-Accel-Expires': String(cacheSeconds) }, JSON.stringify({ sealed }));
});

/**
 * An allowed request whose JSON body names its user: sets or checks `mlflow.user` (src/core/attribution.ts)
 * with the user the gate verified, then proxies to MLflow.
 */
export const attribute = /* @__PURE__ */ helperHandler(async (frame) => {
  const r = frame.r;
  const target = attributedTarget(String(r.variables.request_uri));
  const username = decodeURIComponent(String(r.headersIn['X-Mlflow-Gate-User'] || ''));
  if (target === null || username === '') {
    frame.refuse({ kind: 'internal', detail: 'attribution without a target or a verified user' });
    return;
  }
  const attributed = attributeBody(r.method, target.path, requestBody(r), username);
  if (!attributed.ok) {
    frame.refuse(attributed.refusal);
    return;
  }
  const method = r.method === 'PATCH' ? 'PATCH' : 'POST';
  const reply = await r.subrequest(`${HELPER_MLFLOW_LOCATION}${target.path}`, { method, args: target.query, body: attributed.body });
  if (reply.status === 502 || reply.status === 504) {
    frame.refuse({ kind: reply.status === 502 ? 'mlflow-unreachable' : 'mlflow-timeout', detail: '' });
    return;
  }
  const contentType = String(reply.headersOut['Content-Type'] || 'application/json');
  send(frame, reply.status, { 'Content-Type': contentType }, reply.responseText ? String(reply.responseText) : '');
});
