// `npm run stack -- up | down | status`: a secured MLflow on this machine without Docker. Postgres (Debian),
// Keycloak (Maven Central, realm imported), MLflow (PyPI, Postgres backend store, proxied artifacts in a local
// directory) and nginx + njs with the built bundle in front, all on 127.0.0.1. State lives in `.stack/`.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installAll } from './deps.mjs';
import { startKeycloak } from './keycloak.mjs';
import { startMlflow } from './mlflow.mjs';
import { projectRoot, startNginx } from './nginx.mjs';
import { startPostgres } from './postgres.mjs';
import { portAcceptsConnections, processAlive, stopProcessGroup } from './processes.mjs';
import { realmAccess, realmFile, resourceServer } from './realm.mjs';

/** Default ports; each can be changed with the environment variable next to it. */
export const PORT_SETTINGS = {
  gate: ['STACK_GATE_PORT', 8000],
  keycloak: ['STACK_KEYCLOAK_PORT', 8080],
  mlflow: ['STACK_MLFLOW_PORT', 5000],
  postgres: ['STACK_POSTGRES_PORT', 5433],
};
export const defaultStackDir = join(projectRoot, '.stack');

export function portsFromEnvironment(env = process.env) {
  return Object.fromEntries(
    Object.entries(PORT_SETTINGS).map(([component, [variable, fallback]]) => [component, Number(env[variable] || fallback)]),
  );
}

// Shutdown signal per component: Postgres' fast shutdown is SIGINT.
const STOP_SIGNAL = { postgres: 'SIGINT' };

async function stopAll(processes) {
  for (const [component, pid] of Object.entries(processes).reverse()) {
    await stopProcessGroup(pid, 20_000, STOP_SIGNAL[component] ?? 'SIGTERM');
  }
}

/**
 * The template values of a gate in front of this stack's Keycloak and MLflow (`{ url, port }` each). Every
 * instance given the same `sessionKey` accepts the browser sessions of the others.
 * @param {{ keycloak: { url: string, port: number }, mlflow: { port: number }, sessionKey: string }} options
 */
export function gateSettings({ keycloak, mlflow, sessionKey }) {
  return {
    MLFLOW_GATE_ISSUER: `${keycloak.url}/realms/${realmAccess.realm}`,
    MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${keycloak.port}`,
    // Keycloak runs on this host: plain http, chosen here (the default is https).
    MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
    MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${mlflow.port}`,
    // Projects: the resource server's secret, as the realm file has it (dev-only).
    MLFLOW_GATE_RESOURCE_SERVER_SECRET: resourceServer.secret,
    // Browser login.
    MLFLOW_GATE_SESSION_KEY: sessionKey,
  };
}

/**
 * Starts every component, waits until each is healthy and writes `<dir>/stack.json`. On failure, stops what
 * it started and throws an error that names the component and shows its log tail.
 * `mlflowSecurity` passes MLflow's host allow-list and CORS origins (see startMlflow).
 * @param {{ dir?: string, ports?: Record<string, number>, mlflowSecurity?: { allowedHosts?: string, corsAllowedOrigins?: string } }} options
 */
export async function startStack({ dir = defaultStackDir, ports = portsFromEnvironment(), mlflowSecurity = {} } = {}) {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  await installAll();
  const processes = {};
  const log = (component) => join(dir, 'logs', `${component}.log`);
  const track = (component) => (started) => {
    processes[component] = started.pid;
    return started;
  };
  try {
    const keycloakStarting = startKeycloak({ port: ports.keycloak, dataDir: join(dir, 'keycloak'), realmFile, logFile: log('keycloak') }).then(track('keycloak'));
    const mlflowStarting = startPostgres({ dataDir: join(dir, 'postgres'), port: ports.postgres, logFile: log('postgres'), databases: ['mlflow'] })
      .then(track('postgres'))
      .then((postgres) =>
        startMlflow({
          port: ports.mlflow,
          backendStoreUri: postgres.url('mlflow'),
          artifactsDir: join(dir, 'artifacts'),
          logFile: log('mlflow'),
          workspaces: true,
          ...mlflowSecurity,
        }),
      )
      .then(track('mlflow'));
    const [keycloakResult, mlflowResult] = await Promise.allSettled([keycloakStarting, mlflowStarting]);
    if (keycloakResult.status === 'rejected') throw keycloakResult.reason;
    if (mlflowResult.status === 'rejected') throw mlflowResult.reason;
    const keycloak = keycloakResult.value;
    const mlflow = mlflowResult.value;
    const gate = track('nginx')(
      await startNginx({
        runtimeDir: join(dir, 'nginx'),
        port: ports.gate,
        // A new session key per start, so browser sessions end when the stack restarts.
        settings: gateSettings({ keycloak, mlflow, sessionKey: randomBytes(32).toString('base64') }),
      }),
    );
    const stack = {
      gate: gate.url,
      keycloak: keycloak.url,
      mlflow: mlflow.url,
      ...realmAccess,
      processes,
      logs: join(dir, 'logs'),
    };
    writeFileSync(join(dir, 'stack.json'), `${JSON.stringify(stack, null, 2)}\n`);
    return stack;
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
}

export function readStack(dir = defaultStackDir) {
  const file = join(dir, 'stack.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Stops every process `up` started, by process id, and checks that none of their ports still listens. */
export async function stopStack(dir = defaultStackDir) {
  const stack = readStack(dir);
  if (stack === null) return false;
  await stopAll(stack.processes);
  const ports = [stack.gate, stack.keycloak, stack.mlflow].map((url) => Number(new URL(url).port));
  for (const port of ports) {
    if (await portAcceptsConnections(port)) throw new Error(`stack: port ${port} still listens after down`);
  }
  rmSync(join(dir, 'stack.json'));
  return true;
}

async function status(dir) {
  const stack = readStack(dir);
  if (stack === null) {
    console.log('stack: down');
    return 3;
  }
  const health = {
    nginx: `${stack.gate}/_mlflow_gate/health`,
    keycloak: `${stack.keycloak}/realms/${stack.realm}`,
    mlflow: `${stack.mlflow}/health`,
  };
  let healthy = true;
  for (const [component, pid] of Object.entries(stack.processes)) {
    const alive = processAlive(pid);
    const answer = health[component] ? await fetch(health[component]).then((r) => r.status, () => 'no answer') : '-';
    healthy &&= alive && (answer === 200 || answer === '-');
    console.log(`${component.padEnd(9)} pid ${String(pid).padEnd(8)} ${alive ? 'running' : 'STOPPED'}  health: ${answer}`);
  }
  console.log(`gate: ${stack.gate}   keycloak: ${stack.keycloak}   details: ${join(dir, 'stack.json')}`);
  return healthy ? 0 : 1;
}

async function main(command, dir) {
  if (command === 'up') {
    const previous = readStack(dir);
    if (previous !== null && Object.values(previous.processes).some(processAlive)) {
      console.error(`stack: already up (see ${join(dir, 'stack.json')}); run down first`);
      return 1;
    }
    // A stack.json whose processes are all gone (after a reboot, say) describes nothing: start afresh.
    if (previous !== null) rmSync(join(dir, 'stack.json'));
    const started = Date.now();
    const stack = await startStack({ dir });
    console.log(`stack: up in ${((Date.now() - started) / 1000).toFixed(1)} s: MLflow behind the gate at ${stack.gate}`);
    console.log(`stack: users, clients and addresses in ${join(dir, 'stack.json')}`);
    return 0;
  }
  if (command === 'down') {
    console.log((await stopStack(dir)) ? 'stack: down' : 'stack: was not up');
    return 0;
  }
  if (command === 'status') return status(dir);
  console.error('usage: npm run stack -- up | down | status');
  return 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv[2], resolve(process.env.STACK_DIR || defaultStackDir)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`stack: ${error.message}`);
      process.exit(1);
    },
  );
}
