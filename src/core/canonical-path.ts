/**
 * Turns the raw request target into the one path the route table is matched against.
 *
 * MLflow's servers (werkzeug and Starlette) percent-decode the path before routing, so the gate decodes too
 * and decides on the decoded path. Anything whose meaning could differ between the gate, nginx and MLflow
 * (encoded slashes, dot segments, empty segments, matrix parameters, double encoding, control bytes)
 * is refused instead of being "repaired": a request that is not already canonical never reaches MLflow.
 */

export type CanonicalPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

const MAX_TARGET_LENGTH = 8192;
const BROKEN_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// Bytes that must never appear in a path, raw or decoded: controls, DEL, backslash, fragment and parameter marks.
const FORBIDDEN_DECODED = /[\u0000-\u001f\u007f\\#;]/;
const ENCODED_SEPARATOR = /%(2[fF]|5[cC]|25|00)/;

function refuse(reason: string): CanonicalPath {
  return { ok: false, reason };
}

/** `requestTarget` is nginx's `$request_uri`: the path and query exactly as the client sent them. */
export function canonicalPath(requestTarget: string): CanonicalPath {
  if (requestTarget.length > MAX_TARGET_LENGTH) return refuse('request target too long');
  if (requestTarget.charAt(0) !== '/') return refuse('request target is not an absolute path');
  const queryStart = requestTarget.indexOf('?');
  const rawPath = queryStart < 0 ? requestTarget : requestTarget.slice(0, queryStart);
  if (BROKEN_ESCAPE.test(rawPath)) return refuse('malformed percent-encoding in path');
  if (ENCODED_SEPARATOR.test(rawPath)) return refuse('encoded slash, backslash, NUL or percent sign in path');
  let path: string;
  try {
    path = rawPath.indexOf('%') < 0 ? rawPath : decodeURIComponent(rawPath);
  } catch (e) {
    return refuse('percent-encoding in path is not UTF-8');
  }
  if (FORBIDDEN_DECODED.test(path)) return refuse('control character, backslash, "#" or ";" in path');
  if (path.indexOf('//') >= 0) return refuse('empty path segment');
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '.' || segments[i] === '..') return refuse('dot segment in path');
  }
  return { ok: true, path };
}

/**
 * The request target nginx forwards to MLflow: the canonical path with each segment percent-encoded again
 * (MLflow decodes it back to exactly the path the gate authorized) and the client's query string unchanged,
 * since the query never takes part in routing.
 */
export function upstreamTarget(path: string, requestTarget: string): string {
  const queryStart = requestTarget.indexOf('?');
  const query = queryStart < 0 ? '' : requestTarget.slice(queryStart);
  return path.split('/').map(encodeURIComponent).join('/') + query;
}
