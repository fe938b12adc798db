import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/core/canonical-path';

describe('canonicalPath', () => {
  it.each([
    ['/api/2.0/mlflow/runs/get?run_id=1', '/api/2.0/mlflow/runs/get'],
    ['/', '/'],
    ['/static-files/static/js/main.js', '/static-files/static/js/main.js'],
    ['/api/2.0/mlflow/%65xperiments/get', '/api/2.0/mlflow/experiments/get'],
    ['/mlflow-artifacts/artifacts/1/abc/artifacts/my%20file.txt', '/mlflow-artifacts/artifacts/1/abc/artifacts/my file.txt'],
    ['/api/2.0/mlflow/runs/get?path=/../admin', '/api/2.0/mlflow/runs/get'],
    ['/ajax-api/3.0/jobs/', '/ajax-api/3.0/jobs/'],
  ])('decodes %s to %s', (target, path) => {
    expect(canonicalPath(target)).toEqual({ ok: true, path });
  });

  it.each([
    ['encoded slash', '/api/2.0/mlflow/experiments%2Fdelete'],
    ['encoded slash, lower case', '/api/2.0/mlflow/experiments%2fdelete'],
    ['encoded backslash', '/api/2.0/mlflow%5Cexperiments/delete'],
    ['double encoding', '/api/2.0/mlflow/experiments%252Fdelete'],
    ['encoded NUL', '/api/2.0/mlflow/runs/get%00'],
    ['raw backslash', '/api/2.0/mlflow\\runs/get'],
    ['dot segment', '/api/2.0/mlflow/./runs/get'],
    ['dot-dot segment', '/api/2.0/mlflow/x/../runs/get'],
    ['encoded dot-dot', '/api/2.0/mlflow/x/%2e%2e/runs/get'],
    ['encoded dot', '/api/2.0/mlflow/%2E/runs/get'],
    ['trailing dot-dot', '/api/2.0/mlflow/runs/..'],
    ['empty segment', '/api/2.0//mlflow/runs/get'],
    ['leading double slash', '//api/2.0/mlflow/runs/get'],
    ['matrix parameter', '/api/2.0/mlflow/runs/get;x=1'],
    ['encoded semicolon', '/api/2.0/mlflow/runs/get%3Bx=1'],
    ['fragment', '/api/2.0/mlflow/runs/get#x'],
    ['CR', '/api/2.0/mlflow/runs/get\r'],
    ['encoded LF', '/api/2.0/mlflow/runs/get%0A'],
    ['broken escape', '/api/2.0/mlflow/runs/get%zz'],
    ['truncated escape', '/api/2.0/mlflow/runs/get%4'],
    ['invalid UTF-8', '/api/2.0/mlflow/runs/get%ff'],
    ['not absolute', 'api/2.0/mlflow/runs/get'],
    ['absolute URI', 'http://evil/api/2.0/mlflow/runs/get'],
    ['too long', `/${'a'.repeat(9000)}`],
  ])('refuses %s', (_name, target) => {
    expect(canonicalPath(target).ok).toBe(false);
  });
});
