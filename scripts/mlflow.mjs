// The pinned MLflow release, installed from PyPI into a cached virtualenv.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.mjs';

export const MLFLOW_VERSION = '3.17.2';
// The Postgres driver lets the same venv run `mlflow server` with a Postgres backend store.
const PIP_PACKAGES = [`mlflow==${MLFLOW_VERSION}`, 'psycopg2-binary'];

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
