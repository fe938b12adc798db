/**
 * Paths into MLflow's proxied artifact store, checked against the request's workspace. With workspaces on, MLflow
 * keeps a project's artifacts under `workspaces/<name>/` and prefixes a project request's paths itself, but it
 * passes a `default`-workspace path through as it is (the legacy root): a path that hides the prefix (`./workspaces/
 * team-b`), or a listing of `workspaces`, reaches every project's files. The URL path forms are refused by the
 * canonical path already (dot and empty segments); the listing's `path` query is checked here, and every artifact
 * path may lead into `workspaces/` only towards the request's own workspace.
 */
import { DEFAULT_WORKSPACE } from './projects';

const ARTIFACTS_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\//;
const LISTING = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/artifacts$/;
const WORKSPACES_ROOT = 'workspaces';

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text.split('+').join(' '));
  } catch (e) {
    return null;
  }
}

/** Why an artifact path may not be used in `workspace`, or null when it may. */
function pathProblem(path: string, workspace: string): string | null {
  if (path === '') return null;
  if (path.indexOf('\\') >= 0 || path.charAt(0) === '/') return 'an artifact path must be relative, with / between its parts';
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    // A trailing slash (an empty last part) names a directory and leads nowhere else.
    const empty = segments[i] === '' && i < segments.length - 1;
    if (empty || segments[i] === '.' || segments[i] === '..') return 'an artifact path may not hold empty, . or .. parts';
  }
  if (segments[0] === WORKSPACES_ROOT && segments[1] !== workspace) return `an artifact path may lead only into its own workspace (${workspace})`;
  return null;
}

/**
 * Why the request's artifact paths may not be used, or null. `rule` is the matched route rule, `path` the
 * canonical (decoded) path, `query` the raw query and `workspace` the request's workspace ('' for none).
 */
export function artifactPathProblem(rule: string, path: string, query: string, workspace: string): string | null {
  if (!ARTIFACTS_PREFIX.test(rule)) return null;
  const own = workspace === '' ? DEFAULT_WORKSPACE : workspace;
  if (LISTING.test(rule)) {
    const values = query === '' ? [] : query.split('&').filter((pair) => decoded(pair.split('=')[0]) === 'path');
    if (values.length > 1) return 'the artifact listing takes one path';
    if (values.length === 0) return null;
    const separator = values[0].indexOf('=');
    const value = decoded(separator < 0 ? '' : values[0].slice(separator + 1));
    return value === null ? 'the artifact path is not percent-encoded correctly' : pathProblem(value, own);
  }
  const parameter = rule.search(/[<{]/);
  return parameter < 0 ? null : pathProblem(path.slice(parameter), own);
}
