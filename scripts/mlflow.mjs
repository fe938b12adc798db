// The pinned MLflow release, installed from PyPI into a cached virtualenv.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.mjs';
import { freePort, startProcess, stopProcessGroup, waitUntil } from './processes.mjs';

export const MLFLOW_VERSION = '3.17.2';
// The Postgres driver lets the same venv run `mlflow server` with a Postgres backend store.
export const PSYCOPG2_VERSION = '2.9.13';
const PIP_PACKAGES = [`mlflow==${MLFLOW_VERSION}`, `psycopg2-binary==${PSYCOPG2_VERSION}`];

export const mlflowVenv = join(cacheDir, `mlflow-${MLFLOW_VERSION}`, 'venv');
export const mlflowPython = join(mlflowVenv, 'bin', 'python');
const installedMarker = join(mlflowVenv, '.mlflow-uma-gate-installed');

/** Creates the virtualenv once; an interrupted install is thrown away and redone. */
export function installMlflow({ log = console.log } = {}) {
  if (existsSync(installedMarker)) return { python: mlflowPython, version: MLFLOW_VERSION };
  rmSync(mlflowVenv, { recursive: true, force: true });
  log(`deps: installing mlflow ${MLFLOW_VERSION} from PyPI into ${mlflowVenv} (once; takes a few minutes)`);
  execFileSync('python3', ['-m', 'venv', mlflowVenv], { stdio: 'inherit' });
  execFileSync(mlflowPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PIP_PACKAGES], {
    stdio: 'inherit',
  });
  writeFileSync(installedMarker, `${PIP_PACKAGES.join('\n')}\n`);
  return { python: mlflowPython, version: MLFLOW_VERSION };
}

/**
 * Runs `mlflow server` on 127.0.0.1 with a database backend store and proxied artifact serving from a local
 * directory, as it runs behind the gate. Resolves when /health answers.
 * `allowedHosts` and `corsAllowedOrigins` are MLflow's own `--allowed-hosts` / `--cors-allowed-origins`
 * (comma-separated); unset, MLflow uses its defaults (local and private addresses). `workspaces` starts it with
 * `--enable-workspaces` (projects: "Projects" in README.md).
 * @param {{ port?: number, backendStoreUri: string, artifactsDir: string, logFile: string, workers?: number,
 *   allowedHosts?: string, corsAllowedOrigins?: string, workspaces?: boolean }} options
 */
export async function startMlflow({ port, backendStoreUri, artifactsDir, logFile, workers = 2, allowedHosts, corsAllowedOrigins, workspaces = false }) {
  installMlflow();
  const listenPort = port ?? (await freePort());
  mkdirSync(artifactsDir, { recursive: true });
  const child = startProcess(
    join(mlflowVenv, 'bin', 'mlflow'),
    [
      'server',
      '--host', '127.0.0.1',
      '--port', String(listenPort),
      '--workers', String(workers),
      '--backend-store-uri', backendStoreUri,
      '--serve-artifacts',
      '--artifacts-destination', artifactsDir,
      ...(allowedHosts ? ['--allowed-hosts', allowedHosts] : []),
      ...(corsAllowedOrigins ? ['--cors-allowed-origins', corsAllowedOrigins] : []),
      ...(workspaces ? ['--enable-workspaces'] : []),
    ],
    { logFile, env: { MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' } },
  );
  const url = `http://127.0.0.1:${listenPort}`;
  // The first start against an empty database runs MLflow's schema migrations, which takes a while.
  await waitUntil('mlflow', async () => (await fetch(`${url}/health`)).status === 200, { timeoutMs: 180_000, logFile, process: child });
  return { url, port: listenPort, pid: child.pid, stop: () => stopProcessGroup(child.pid, 20_000) };
}
