/**
 * Differential test: a generated corpus of path and method variants of every MLflow route goes through the
 * gate as a viewer, and the recording upstream reports what actually arrived. Whatever arrived must be
 * exactly what the gate authorized (same method, the canonical path, the query untouched), must be a read,
 * and every variant the gate's own rules allow must have arrived.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { canonicalPath, upstreamTarget } from '../../src/core/canonical-path';
import { REFUSED } from '../../src/core/permissions';
import { MLFLOW_ROUTES } from '../../src/core/mlflow-routes';
import { matchRoute } from '../../src/core/route-matcher';
import { workspaceOperation } from '../../src/core/projects';
import { ROUTE_TABLE } from '../../src/core/route-table';
import { TEST_ID_HEADER } from '../support/echo-upstream';
import { seenUpstream } from '../support/gate-client';
import { demoUsers } from '../support/realm';
import { examplePath } from '../support/routes';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Ways to spell a path that a parser somewhere might read differently. */
const MUTATIONS: [string, (path: string) => string][] = [
  ['trailing slash', (p) => `${p}/`],
  ['double slash', (p) => p.replace('/', '//')],
  ['encoded last slash', (p) => p.replace(/\/([^/]*)$/, '%2F$1')],
  ['dot segment', (p) => p.replace(/\/([^/]*)$/, '/./$1')],
  ['parent segment', (p) => p.replace(/\/([^/]*)$/, '/x/../$1')],
  ['encoded letter', (p) => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)],
  ['upper case', (p) => p.replace(/\/([^/]*)$/, (_m, last: string) => `/${last.toUpperCase()}`)],
  ['matrix parameter', (p) => `${p};v=1`],
  ['double-encoded slash', (p) => p.replace(/\/([^/]*)$/, '%252F$1')],
  ['query holding a path', (p) => `${p}?next=/api/2.0/mlflow/experiments/delete`],
];

interface Probe {
  method: string;
  target: string;
}

function corpus(): Probe[] {
  const probes: Probe[] = [];
  ROUTE_TABLE.forEach((spec, index) => {
    const path = examplePath(spec.rule);
    probes.push({ method: spec.method, target: path });
    probes.push({ method: METHODS[index % METHODS.length], target: path });
    const [, mutate] = MUTATIONS[index % MUTATIONS.length];
    probes.push({ method: spec.method, target: mutate(path) });
    if (index % 4 === 0) MUTATIONS.forEach(([, other]) => probes.push({ method: spec.method === 'POST' ? 'GET' : spec.method, target: other(path) }));
  });
  // A mutation of the root path can lose its leading slash; such a target is not an origin-form request.
  return probes.filter((probe) => probe.target.startsWith('/'));
}

/** What the gate's own rules say about a probe, for a user who holds every #read and nothing else. */
function expected(probe: Probe): { reaches: boolean; target?: string } {
  const canonical = canonicalPath(probe.target);
  if (!canonical.ok) return { reaches: false };
  const route = matchRoute(MLFLOW_ROUTES, probe.method, canonical.path);
  if (route.kind !== 'guarded' || route.guard === REFUSED || !route.guard.endsWith('#read')) return { reaches: false };
  // The corpus names the workspace x1, a project nobody here may use; listing goes to MLflow as it is.
  const operation = workspaceOperation(probe.method, route.rule);
  if (operation !== null && operation !== 'list') return { reaches: false };
  return { reaches: true, target: upstreamTarget(canonical.path, probe.target) };
}

let token: string;
let client: Client;

beforeAll(async () => {
  const viewer = demoUsers.find((user) => user.role === 'viewer')!;
  token = await userToken(stack.keycloak, viewer.username, viewer.password);
  client = new Client(stack.gate, { pipelining: 0 });
});

afterAll(() => client.close());

describe('differential: what reaches MLflow is what the gate authorized', () => {
  it('holds for every probe of the corpus', async () => {
    const probes = corpus();
    const mismatches: string[] = [];
    let reached = 0;
    const queue = [...probes];
    const worker = async () => {
      for (let probe = queue.shift(); probe; probe = queue.shift()) {
        const testId = randomUUID();
        const response = await client.request({
          path: probe.target,
          method: probe.method as 'GET',
          headers: { authorization: `Bearer ${token}`, [TEST_ID_HEADER]: testId },
          body: probe.method === 'GET' || probe.method === 'HEAD' ? undefined : '{}',
        });
        await response.body.dump();
        const arrived = await seenUpstream(testId);
        const want = expected(probe);
        if (arrived !== null) reached += 1;
        const got = arrived === null ? { reaches: false } : { reaches: true, target: arrived.target };
        if (arrived !== null && arrived.method !== probe.method) mismatches.push(`${probe.method} ${probe.target}: arrived as ${arrived.method}`);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(`${probe.method} ${probe.target}: status ${response.statusCode}, arrived ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(mismatches).toEqual([]);
    // The corpus must exercise both outcomes, or the test proves nothing.
    expect(reached).toBeGreaterThan(100);
    expect(probes.length - reached).toBeGreaterThan(500);
  }, 240_000);
});
