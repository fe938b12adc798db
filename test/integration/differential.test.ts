/**
 * Differential test: a generated corpus of path and method variants of every MLflow route goes through the
 * gate as a viewer, and the recording upstream reports what actually arrived. Whatever arrived must be
 * exactly what the gate authorized (same method, the canonical path, the query untouched), must be a read,
 * and every variant the gate's own rules allow must have arrived.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { artifactPathProblem } from '../../src/core/artifact-paths';
import { canonicalPath, upstreamTarget } from '../../src/core/canonical-path';
import { REFUSED } from '../../src/core/permissions';
import { MLFLOW_ROUTES } from '../../src/core/mlflow-routes';
import { matchRoute } from '../../src/core/route-matcher';
import { workspaceOperation } from '../../src/core/projects';
import { ROUTE_TABLE } from '../../src/core/route-table';
import { TEST_ID_HEADER } from '../support/echo-upstream';
import { seenUpstream } from '../support/gate-client';
import { registerProject } from '../support/projects';
import { demoUsers, resourceServer } from '../support/realm';
import { examplePath } from '../support/routes';
import { userToken } from '../support/tokens';
import { startTestGate } from '../support/test-gate';

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

/**
 * What the gate's own rules say about a probe in `workspace` ('' for none), for a user who holds every #read
 * and nothing else.
 */
function expected(probe: Probe, workspace = ''): { reaches: boolean; target?: string; workspace?: string } {
  const canonical = canonicalPath(probe.target);
  if (!canonical.ok) return { reaches: false };
  const route = matchRoute(MLFLOW_ROUTES, probe.method, canonical.path);
  if (route.kind !== 'guarded' || route.guard === REFUSED || !route.guard.endsWith('#read')) return { reaches: false };
  const query = probe.target.indexOf('?') < 0 ? '' : probe.target.slice(probe.target.indexOf('?') + 1);
  if (artifactPathProblem(route.rule, canonical.path, query, workspace) !== null) return { reaches: false };
  // The corpus names the workspace x1, a project nobody here may use; listing goes to MLflow as it is.
  const operation = workspaceOperation(probe.method, route.rule);
  if (operation !== null && operation !== 'list') return { reaches: false };
  return { reaches: true, target: upstreamTarget(canonical.path, probe.target) };
}

let token: string;
let client: Client;
let projectGate: { url: string; stop: () => Promise<void> };
let removeProject: () => Promise<void>;
const PROJECT = `differential-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const viewer = demoUsers.find((user) => user.role === 'viewer')!;
  token = await userToken(stack.keycloak, viewer.username, viewer.password);
  client = new Client(stack.gate, { pipelining: 0 });
  // The viewer's own project, on a gate with projects on (the shared gate has them off).
  removeProject = await registerProject(stack.keycloak, PROJECT, viewer.username);
  const nginx = await startTestGate(stack, 'differential', {
    MLFLOW_GATE_RESOURCE_SERVER_SECRET: resourceServer.secret ?? '',
  });
  projectGate = { url: nginx.url, stop: nginx.stop };
});

afterAll(async () => {
  await client.close();
  await projectGate.stop();
  await removeProject();
});

/** Sends the whole corpus through `gate` (with `headers`) and lists every probe whose arrival differs from `want`. */
async function mismatchesOf(gate: Client, headers: Record<string, string>, want: (probe: Probe) => ReturnType<typeof expected>) {
  const probes = corpus();
  const mismatches: string[] = [];
  let reached = 0;
  const queue = [...probes];
  const worker = async () => {
    for (let probe = queue.shift(); probe; probe = queue.shift()) {
      const testId = randomUUID();
      const response = await gate.request({
        path: probe.target,
        method: probe.method as 'GET',
        headers: { authorization: `Bearer ${token}`, [TEST_ID_HEADER]: testId, ...headers },
        body: probe.method === 'GET' || probe.method === 'HEAD' ? undefined : '{}',
      });
      await response.body.dump();
      const arrived = await seenUpstream(testId);
      if (arrived !== null) reached += 1;
      const workspace = arrived?.headers['x-mlflow-workspace'];
      const got = arrived === null ? { reaches: false } : { reaches: true, target: arrived.target, ...(workspace === undefined ? {} : { workspace: String(workspace) }) };
      if (arrived !== null && arrived.method !== probe.method) mismatches.push(`${probe.method} ${probe.target}: arrived as ${arrived.method}`);
      if (JSON.stringify(got) !== JSON.stringify(want(probe))) {
        mismatches.push(`${probe.method} ${probe.target}: status ${response.statusCode}, arrived ${JSON.stringify(got)}, expected ${JSON.stringify(want(probe))}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { probes: probes.length, reached, mismatches };
}

describe('differential: what reaches MLflow is what the gate authorized', () => {
  it('holds for every probe of the corpus', async () => {
    const { probes, reached, mismatches } = await mismatchesOf(client, {}, (probe) => expected(probe));
    expect(mismatches).toEqual([]);
    expect(reached).toBeGreaterThan(100);
    expect(probes - reached).toBeGreaterThan(500);
  }, 240_000);

  it('holds in a project: the same requests arrive, in exactly the workspace the gate authorized', async () => {
    const gate = new Client(projectGate.url, { pipelining: 0 });
    try {
      const inProject = (probe: Probe) => {
        const want = expected(probe, PROJECT);
        return want.reaches ? { ...want, workspace: PROJECT } : want;
      };
      const { reached, mismatches } = await mismatchesOf(gate, { 'x-mlflow-workspace': PROJECT }, inProject);
      expect(mismatches).toEqual([]);
      expect(reached).toBeGreaterThan(100);
    } finally {
      await gate.close();
    }
  }, 240_000);
});
