/**
 * A request in a project (the rules: src/core/projects.ts), from the gate's server: asked through the project
 * decision location, cached like every decision. Its misses and the workspace routes the gate answers itself run
 * in the helper server (./project-server.ts).
 */
import type { Decision } from '../core/decision';
import { interpretDecision } from '../core/decision';
import type { Permission } from '../core/permissions';
import type { ProjectAsk } from '../core/projects';
import type { Frame } from './frame';
import { cachedDecision, presentToken } from './keycloak';

/** In the gate's server: cached, its misses answered by the helper server's projectDecision. */
const PROJECT_DECISION_LOCATION = '/_mlflow_gate/keycloak/project-decision';

function bodyOf(reply: NginxHTTPRequest): string {
  return reply.responseText ? String(reply.responseText) : '';
}

/** The decision for a request in a project: its permission and the project's scope, both or nothing. */
export async function askProject(frame: Frame, permission: Permission, ask: ProjectAsk, token: string, nowSeconds: number): Promise<Decision> {
  const config = frame.config;
  const what = `${permission} and ${ask.scope} on project ${ask.project}`;
  if (config.resourceServerSecret === null) return { allowed: false, refusal: { kind: 'forbidden', detail: `${what} (projects are not enabled)` } };
  presentToken(frame, token);
  const asked = `${permission}\n${ask.project}\n${ask.scope}`;
  return cachedDecision(frame, 'project-decision', token, asked, nowSeconds, async (args) => {
    const reply = await frame.r.subrequest(PROJECT_DECISION_LOCATION, {
      method: 'GET',
      args: [args, `project=${ask.project}`, `permission=${encodeURIComponent(permission)}`, `scope=${ask.scope}`].join('&'),
    });
    return { reply, decision: interpretDecision(what, reply.status, bodyOf(reply)) };
  });
}
