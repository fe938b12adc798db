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
import { compileRule } from './route-matcher';
import type { Refusal } from './refusals';

export const MLFLOW_USER_TAG = 'mlflow.user';

type Attribution = 'create-run' | 'create' | 'create-model-version' | 'tags-of-batch' | 'single-tag' | 'trace-tag' | 'trace-end';

/**
 * Keyed by method and rule without its `/api` or `/ajax-api` prefix; every key is a route of the route table. Besides
 * attribution, two checks need the body (measured leaks into other workspaces, SECURITY.md):
 *  - a trace's `mlflow.artifactLocation` tag names where `get-trace-artifact` reads from, and MLflow lets clients set
 *    it: pointed at another workspace's artifacts or the server's disk, it reads them. Only MLflow sets it;
 *  - a model version's `source` on a storage scheme (s3:, gs:, file: …) is read with the server's credentials by
 *    `model-versions/get-artifact`, wherever it points: only sources MLflow resolves within the workspace pass.
 */
export const ATTRIBUTED_RULES: { [methodAndRule: string]: Attribution } = {
  'POST /2.0/mlflow/runs/create': 'create-run',
  'POST /2.0/mlflow/experiments/create': 'create',
  'POST /2.0/mlflow/registered-models/create': 'create',
  'POST /2.0/mlflow/model-versions/create': 'create-model-version',
  'POST /2.0/mlflow/runs/log-batch': 'tags-of-batch',
  'POST /2.0/mlflow/runs/set-tag': 'single-tag',
  'PATCH /3.0/mlflow/traces/<trace_id>/tags': 'trace-tag',
  'PATCH /2.0/mlflow/traces/<request_id>/tags': 'trace-tag',
  'PATCH /2.0/mlflow/traces/<request_id>': 'trace-end',
};

export const TRACE_ARTIFACT_TAG = 'mlflow.artifactLocation';
/** Sources MLflow resolves inside the request's workspace, and the placeholders prompts are registered with. */
const MODEL_VERSION_SOURCE = /^(?:(?:runs|models|mlflow-artifacts):\/(?!\/)|(?:dummy-source|prompt-template)$)/;

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
  return attributionOf(method, rule) !== null
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

/** Whether requests to this route (method and matched rule) must pass through the gate's body checks. */
export function attributionOf(method: string, rule: string): Attribution | null {
  const key = `${method} ${rule.replace(API_PREFIX, '')}`;
  return Object.prototype.hasOwnProperty.call(ATTRIBUTED_RULES, key) ? ATTRIBUTED_RULES[key] : null;
}

/** The same for a request path (the helper server knows the path, not the rule): matched against every rule. */
export function attributionOfPath(method: string, path: string): Attribution | null {
  const unprefixed = path.replace(API_PREFIX, '');
  const keys = Object.keys(ATTRIBUTED_RULES);
  for (let i = 0; i < keys.length; i++) {
    const separator = keys[i].indexOf(' ');
    if (keys[i].slice(0, separator) === method && compileRule(keys[i].slice(separator + 1)).test(unprefixed)) return ATTRIBUTED_RULES[keys[i]];
  }
  return null;
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

function setsTraceArtifactTag(tags: unknown): boolean {
  return Array.isArray(tags) && tags.some((tag: Tag) => tag !== null && typeof tag === 'object' && tag.key === TRACE_ARTIFACT_TAG);
}

/** `body` as MLflow should receive it from `username` (a `method` request to `path`), or the refusal. */
export function attributeBody(method: string, path: string, body: string, username: string): Attributed {
  const attribution = attributionOfPath(method, path);
  if (attribution === null) return { ok: true, body };
  const request = parseJsonObject(body);
  if (request === null) return refuse('bad-request', 'request body is not a JSON object');
  if (attribution === 'trace-tag' || attribution === 'trace-end') {
    const sets = attribution === 'trace-tag' ? request.key === TRACE_ARTIFACT_TAG : setsTraceArtifactTag(request.tags);
    return sets ? refuse('bad-request', `the trace tag ${TRACE_ARTIFACT_TAG} is MLflow's own`) : { ok: true, body };
  }
  if (attribution === 'create-model-version' && (typeof request.source !== 'string' || !MODEL_VERSION_SOURCE.test(request.source))) {
    return refuse('bad-request', "a model version's source must be a runs:/, models:/ or mlflow-artifacts:/ URI");
  }
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
