// The pinned Helm CLI, built from its Go module once into the cache (scripts/cache.mjs): Helm ships no
// package in the registries this project installs from, and `go install` needs only the Go module proxy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.mjs';

export const HELM_VERSION = 'v3.21.4';
/** The Kubernetes release of the k8s.io modules this Helm is built with: the API version `helm template` assumes. */
export const HELM_KUBERNETES_VERSION = { major: '1', minor: '36' };
// What Helm's own release build stamps into the binary (its Makefile), which a plain `go install` leaves out.
const LDFLAGS = [
  '-s',
  '-w',
  `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
  ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${HELM_KUBERNETES_VERSION.major}`,
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${HELM_KUBERNETES_VERSION.minor}`,
  ]),
].join(' ');
const helmDir = join(cacheDir, `helm-${HELM_VERSION}`);
export const helmPath = join(helmDir, 'helm');

/** Builds the CLI when it is missing; a build that stopped half-way leaves nothing at helmPath. */
export function installHelm({ log = console.log } = {}) {
  if (existsSync(helmPath)) return { helm: helmPath, version: HELM_VERSION };
  const partial = join(helmDir, 'partial');
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`deps: building helm ${HELM_VERSION} with go install (once; takes several minutes)`);
  try {
    execFileSync('go', ['install', `-ldflags=${LDFLAGS}`, `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: partial },
    });
  } catch (error) {
    throw new Error(`deps: building helm needs Go (https://go.dev/doc/install) on PATH: ${error.message}`);
  }
  renameSync(join(partial, 'helm'), helmPath);
  rmSync(partial, { recursive: true, force: true });
  return { helm: helmPath, version: HELM_VERSION };
}

/** Runs the pinned helm; returns its standard output, throws with its standard error. */
export function helm(args, options = {}) {
  return execFileSync(helmPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...options });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) installHelm();
