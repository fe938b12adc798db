// Starting, waiting for and stopping the real components (nginx, Keycloak, MLflow, Postgres) as plain
// processes on 127.0.0.1, for the tests and for `npm run stack`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import net from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
/** `[command, args]` that run `command` as the unprivileged `account` when we are root, else as ourselves. */
export function asAccount(account, command, args) {
  if (userInfo().uid !== 0) return [command, args];
  return ['setpriv', [`--reuid=${account.user}`, `--regid=${account.group}`, '--clear-groups', command, ...args]];
}

/**
 * Where a directory for a service's unprivileged account really lives. As root, services drop to accounts
 * such as `postgres` or nginx's `nobody`, which cannot reach a private home directory; then the directory
 * lives under the system temp directory instead, at a stable name derived from the requested path.
 * @param {{ user: string, group: string }} account
 */
export function reachableBy(account, dir) {
  if (userInfo().uid !== 0) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const [command, args] = asAccount(account, 'test', ['-x', dirname(dir)]);
  if (spawnSync(command, args, { stdio: 'ignore' }).status === 0) return dir;
  const suffix = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return join(tmpdir(), `mlflow-uma-gate-${account.user}-${suffix}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function portAcceptsConnections(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export function logTail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `check` until it resolves true; fails after `timeoutMs`, naming the component and showing its log. A
 * process that did not become ready is stopped first: the caller gets no handle on it to stop it later.
 */
export async function waitUntil(component, check, { timeoutMs, logFile, process: child }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`${component} exited with code ${child.exitCode} while starting. Log tail (${logFile}):\n${logTail(logFile)}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (child) await stopProcessGroup(child.pid);
  throw new Error(`${component} was not ready within ${timeoutMs / 1000} s. Log tail (${logFile}):\n${logTail(logFile)}`);
}

/** Starts a long-running process in its own process group, with stdout and stderr appended to `logFile`. */
export function startProcess(command, args, { logFile, env, cwd }) {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  child.unref();
  return child;
}

/** Whether the process `pid` (or, negative, the process group) still exists. */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to the process group, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcessGroup(pid, graceMs = 10_000, signal = 'SIGTERM') {
  const alive = () => processAlive(-pid);
  if (!alive()) return;
  process.kill(-pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(-pid, 'SIGKILL');
  while (alive()) await new Promise((resolve) => setTimeout(resolve, 50));
}
