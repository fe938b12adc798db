/**
 * A project's group shares (`mlflow-uma-gate share <project> /group …`): the caller is verified here, as for any
 * request, and the helper server, which holds the resource server's credentials, does the rest
 * (src/njs/project-server.ts groupShares; the rules: src/core/group-shares.ts).
 */
import { identifyCaller } from '../core/authorize';
import { GROUP_SHARES_LOCATION } from '../core/group-shares';
import { DEFAULT_WORKSPACE, isWorkspaceName } from '../core/projects';
import { authorizationHeaders, handler, respond, send } from './frame';
import { presentToken, resolveCaller } from './keycloak';

/** In the gate's server (nginx/mlflow-uma-gate.locations.conf): to the helper server, with the verified caller. */
const HELPER_GROUP_SHARES_LOCATION = '/_mlflow_gate/helper/group-shares';

export const groupShares = /* @__PURE__ */ handler(async (frame) => {
  const r = frame.r;
  if (r.method !== 'GET' && r.method !== 'PUT') return frame.refuse({ kind: 'method-not-allowed', detail: 'GET, PUT' });
  const uri = String(r.variables.uri);
  const project = uri.indexOf(`${GROUP_SHARES_LOCATION}/`) === 0 ? uri.slice(GROUP_SHARES_LOCATION.length + 1) : '';
  if (!isWorkspaceName(project) || project === DEFAULT_WORKSPACE) return frame.refuse({ kind: 'bad-request', detail: `${GROUP_SHARES_LOCATION}/<project> names a project` });
  if (frame.config.resourceServerSecret === null) return frame.refuse({ kind: 'no-project', detail: `${project} (projects are not enabled)` });
  const nowSeconds = Math.floor(Date.now() / 1000);
  const caller = identifyCaller(authorizationHeaders(r), frame.config.tokenPolicy, nowSeconds);
  if (!caller.ok) return frame.refuse(caller.refusal);
  const identified = await resolveCaller(frame, caller.caller, nowSeconds);
  if (!identified.ok) return frame.refuse(identified.refusal);
  presentToken(frame, identified.token);
  const args = `user=${encodeURIComponent(identified.claims.username)}`;
  const body = r.method === 'PUT' && r.requestText ? String(r.requestText) : '';
  const reply = await r.subrequest(`${HELPER_GROUP_SHARES_LOCATION}/${project}`, r.method === 'PUT' ? { method: 'PUT', args, body } : { method: 'GET', args });
  if (reply.status === 502 || reply.status === 504) return frame.refuse({ kind: 'internal', detail: 'the helper server did not answer' });
  send(frame, reply.status, { 'Content-Type': String(reply.headersOut['Content-Type'] || 'application/json'), 'Cache-Control': 'no-store' }, reply.responseText ? String(reply.responseText) : '');
}, respond);
