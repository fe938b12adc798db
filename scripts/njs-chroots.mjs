// Debian releases newer than the host's, as minimal chroots (debootstrap) with their nginx + njs installed, so
// the integration tests run against every njs the gate claims. Each chroot is built once and cached (see
// scripts/cache.mjs); a marker file in it records the packaged versions and says the build finished.
// nginx started inside a chroot shares the host's loopback: only its file system is the chroot's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.mjs';
import { aptInstall, commandWorks } from './debian-packages.mjs';

// ca-certificates: the gate verifies Keycloak's certificate against the system's CA bundle by default.
const PACKAGES = ['nginx', 'libnginx-mod-http-js', 'ca-certificates'];

/**
 * The nginx + njs builds the integration tests run on, by name: the host's Debian packages, or a chroot's
 * (`suite`), with njs's own engine or QuickJS (`engine`, nginx's `js_engine`); `sharedDictionaries`: the njs
 * has `js_shared_dict_zone` (0.8 and later), so the gate counts metrics there. The name is picked with
 * MLFLOW_UMA_GATE_NJS; unset means the host.
 */
export const NJS_RUNTIMES = {
  host: { suite: null, engine: null, sharedDictionaries: false },
  trixie: { suite: 'trixie', engine: null, sharedDictionaries: true },
  sid: { suite: 'sid', engine: null, sharedDictionaries: true },
  'sid-qjs': { suite: 'sid', engine: 'qjs', sharedDictionaries: true },
};
export const NJS_RUNTIME_ENV = 'MLFLOW_UMA_GATE_NJS';

/** The vitest project that runs the integration tests on the runtime `name`. */
export function integrationProject(name) {
  return name === 'host' ? 'integration' : `integration-${name}`;
}

/** The Debian suites the runtimes need chroots of. */
export const NJS_SUITES = [...new Set(Object.values(NJS_RUNTIMES).map((runtime) => runtime.suite).filter(Boolean))];

export function njsRuntime(name = process.env[NJS_RUNTIME_ENV] || 'host') {
  if (!Object.prototype.hasOwnProperty.call(NJS_RUNTIMES, name)) {
    throw new Error(`${NJS_RUNTIME_ENV}=${name}: not one of ${Object.keys(NJS_RUNTIMES).join(', ')}`);
  }
  return { name, ...NJS_RUNTIMES[name] };
}

const MARKER = '.mlflow-uma-gate-chroot.json';
const chrootsDir = join(cacheDir, 'chroots');

export function chrootDir(suite) {
  return join(chrootsDir, suite);
}

function ensureDebootstrap() {
  if (commandWorks('debootstrap', ['--version'])) return;
  if (process.getuid?.() !== 0) throw new Error('njs chroots: debootstrap is missing; install it with: sudo apt-get install -y debootstrap');
  aptInstall(['debootstrap']);
}

function packageVersions(root) {
  const listed = execFileSync('chroot', [root, 'dpkg-query', '-W', '-f', '${Package} ${Version}\\n', ...PACKAGES], { encoding: 'utf8' });
  return Object.fromEntries(listed.trim().split('\n').map((line) => line.split(' ')));
}

/** The chroot's marker: `{ suite, packages: { name: version } }`, or undefined while it is not built. */
export function chrootMarker(suite) {
  const marker = join(chrootDir(suite), MARKER);
  return existsSync(marker) ? JSON.parse(readFileSync(marker, 'utf8')) : undefined;
}

/**
 * Builds the chroot of `suite` unless the cache has one with every package of PACKAGES. The build happens beside
 * the cached directory and is renamed into place when complete, so an interrupted or concurrent build never
 * leaves a half chroot behind.
 */
export function ensureChroot(suite, { log = console.log } = {}) {
  const built = chrootMarker(suite);
  if (built && PACKAGES.every((name) => Object.prototype.hasOwnProperty.call(built.packages, name))) return built;
  if (process.getuid?.() !== 0) throw new Error(`njs chroots: building the ${suite} chroot needs root (debootstrap, chroot)`);
  ensureDebootstrap();
  const partial = `${chrootDir(suite)}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(chrootsDir, { recursive: true });
  const started = Date.now();
  log(`deps: building a Debian ${suite} chroot with ${PACKAGES.join(', ')} (debootstrap, once)`);
  try {
    execFileSync('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, suite, partial], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const tail = `${error.stdout ?? ''}${error.stderr ?? ''}`.split('\n').slice(-20).join('\n');
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`njs chroots: debootstrap of ${suite} failed:\n${tail}`);
  }
  const marker = { suite, packages: packageVersions(partial) };
  writeFileSync(join(partial, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  // A cached chroot without every package is replaced.
  if (built) rmSync(chrootDir(suite), { recursive: true, force: true });
  try {
    renameSync(partial, chrootDir(suite));
  } catch (error) {
    // Another process finished the same chroot first; its copy is as good as ours.
    rmSync(partial, { recursive: true, force: true });
    if (!chrootMarker(suite)) throw error;
  }
  log(`deps: ${suite} chroot ready in ${Math.round((Date.now() - started) / 1000)} s (${Object.entries(marker.packages).map(([name, version]) => `${name} ${version}`).join(', ')})`);
  return marker;
}

/**
 * `[command, args]` that run nginx with `args` in `runtime`. In a chroot, nginx runs in a mount namespace of its
 * own in which `dirs` (the project's bundles and snippets, its runtime and temp directories) are bind-mounted at
 * the same paths inside the chroot, so its configuration, logs and cache paths mean the same in and out; the
 * mounts end with nginx.
 */
export function nginxCommand(runtime, args, dirs) {
  if (runtime.suite === null) return ['nginx', args];
  const root = chrootDir(runtime.suite);
  if (!chrootMarker(runtime.suite)) throw new Error(`njs chroots: no ${runtime.suite} chroot yet (node scripts/njs-chroots.mjs builds it)`);
  const absolute = [...new Set(dirs.map((dir) => resolve(dir)))].sort();
  // A directory inside another one on the list is mounted with it.
  const outermost = absolute.filter((dir) => !absolute.some((other) => other !== dir && !relative(other, dir).startsWith('..')));
  // Arguments: the chroot, the number of directories, the directories, then nginx's own arguments.
  const script = 'root=$1; n=$2; shift 2; while [ "$n" -gt 0 ]; do mkdir -p "$root$1"; mount --bind "$1" "$root$1"; shift; n=$((n - 1)); done; exec chroot "$root" nginx "$@"';
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', script, 'sh', root, String(outermost.length), ...outermost, ...args]];
}

export function ensureChroots(options) {
  return NJS_SUITES.map((suite) => ensureChroot(suite, options));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    ensureChroots();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
