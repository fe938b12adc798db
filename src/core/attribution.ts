/**
 * Trusted attribution: MLflow records whatever user name a client sends (`user_id`, the `mlflow.user` tag).
 * For the routes below the gate rewrites the JSON body before MLflow sees it:
 *  - creations get `mlflow.user` (and a run its `user_id`) set to the verified user name. The mlflow client
 *    always sends the local account name here (getpass), so a different value is replaced, not refused:
 *    refusing it would break every `mlflow.start_run()`;
 *  - later tag writes (`log-batch`, `set-tag`) may not set `mlflow.user` to anyone else: 403.
 */
import { parseJsonObject } from './json-object';
import type { WorkspaceOperation } from './projects';
import type { Refusal } from './refusals';

export const MLFLOW_USER_TAG = 'mlflow.user';

type Attribution = 'create-run' | 'create' | 'tags-of-batch' | 'single-tag';

/** Keyed by the rule without its `/api` or `/ajax-api` prefix; every key is a POST route of the route table. */
export const ATTRIBUTED_RULES: { [rule: string]: Attribution } = {
  '/2.0/mlflow/runs/create': 'create-run',
  '/2.0/mlflow/experiments/create': 'create',
  '/2.0/mlflow/registered-models/create': 'create',
  '/2.0/mlflow/model-versions/create': 'create',
  '/2.0/mlflow/runs/log-batch': 'tags-of-batch',
  '/2.0/mlflow/runs/set-tag': 'single-tag',
};

const API_PREFIX = /^\/(?:api|ajax-api)(?=\/)/;

/**
 * Where an allowed request whose body the gate attributes is sent: the helper server's location of this
 * prefix (nginx/mlflow-uma-gate.helper.conf), followed by the target MLflow is to receive.
 */
export const ATTRIBUTE_LOCATION = '/_mlflow_gate/attribute';

/**
 * Where the helper server answers the workspace routes the gate handles itself (src/core/projects.ts): listing,
 * creating and deleting projects.
 */
export const PROJECTS_LOCATION = '/_mlflow_gate/projects';

/** Whom nginx proxies an allowed request to: MLflow itself, or the helper server (attribution, projects). */
export interface ProxyRoute {
  readonly upstream: 'mlflow' | 'helper';
  readonly target: string;
}

export function proxyRoute(method: string, rule: string, upstreamTarget: string, workspaceOperation: WorkspaceOperation | null): ProxyRoute {
  if (workspaceOperation === 'list' || workspaceOperation === 'create' || workspaceOperation === 'delete') {
    return { upstream: 'helper', target: `${PROJECTS_LOCATION}${upstreamTarget}` };
  }
  // Only POST routes are attributed (ATTRIBUTED_RULES).
  return method === 'POST' && attributionOf(rule) !== null
    ? { upstream: 'helper', target: `${ATTRIBUTE_LOCATION}${upstreamTarget}` }
    : { upstream: 'mlflow', target: upstreamTarget };
}

/** The path and query MLflow is to receive, from the helper server's request target; null when not one. */
export function attributedTarget(requestUri: string): { readonly path: string; readonly query: string } | null {
  if (requestUri.indexOf(`${ATTRIBUTE_LOCATION}/`) !== 0) return null;
  const target = requestUri.slice(ATTRIBUTE_LOCATION.length);
  const queryStart = target.indexOf('?');
  return queryStart < 0 ? { path: target, query: '' } : { path: target.slice(0, queryStart), query: target.slice(queryStart + 1) };
}

/** Whether requests to this rule (POST) must pass through the gate's body rewriting. */
export function attributionOf(rule: string): Attribution | null {
  const unprefixed = rule.replace(API_PREFIX, '');
  return Object.prototype.hasOwnProperty.call(ATTRIBUTED_RULES, unprefixed) ? ATTRIBUTED_RULES[unprefixed] : null;
}

export type Attributed = { readonly ok: true; readonly body: string } | { readonly ok: false; readonly refusal: Refusal };

interface Tag {
  key?: unknown;
  value?: unknown;
}

function refuse(kind: Refusal['kind'], detail: string): Attributed {
  return { ok: false, refusal: { kind, detail } };
}

function claimsOtherUser(tags: unknown, username: string): boolean {
  return Array.isArray(tags) && tags.some((tag: Tag) => tag !== null && tag.key === MLFLOW_USER_TAG && tag.value !== username);
}

/** `body` as MLflow should receive it from `username`, or the refusal. */
export function attributeBody(rule: string, body: string, username: string): Attributed {
  const attribution = attributionOf(rule);
  if (attribution === null) return { ok: true, body };
  const request = parseJsonObject(body);
  if (request === null) return refuse('bad-request', 'request body is not a JSON object');
  if (attribution === 'single-tag') {
    if (request.key === MLFLOW_USER_TAG && request.value !== username) return refuse('other-user', username);
    return { ok: true, body };
  }
  if (attribution === 'tags-of-batch') {
    return claimsOtherUser(request.tags, username) ? refuse('other-user', username) : { ok: true, body };
  }
  if (request.tags !== undefined && !Array.isArray(request.tags)) return refuse('bad-request', 'tags is not a list');
  const tags = ((request.tags as Tag[] | undefined) || []).filter((tag) => tag === null || tag.key !== MLFLOW_USER_TAG);
  tags.push({ key: MLFLOW_USER_TAG, value: username });
  request.tags = tags;
  if (attribution === 'create-run') request.user_id = username;
  return { ok: true, body: JSON.stringify(request) };
}
