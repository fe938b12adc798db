// A Docker engine of the compose tests' own: Debian's dockerd, started by hand with its data in the cache (so
// built images last between runs) and its socket, bridge and run directory under names of its own, so it
// neither uses nor disturbs an engine the machine already runs. It changes no firewall rules (no iptables,
// no IP forwarding or masquerading): containers reach each other on their compose networks and the host
// reaches their published ports, which is all the compose file needs; containers reach nothing outside.
// Compose v2 comes from Debian trixie's docker-compose package (bookworm has Compose v1 only).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.mjs';
import { aptInstall, commandWorks } from './debian-packages.mjs';
import { chrootDir, ensureChroot } from './njs-chroots.mjs';
import { processAlive, startProcess, stopProcessGroup, waitUntil } from './processes.mjs';

const ENGINE_NAME = 'mlflow-uma-gate-docker';
const runDir = `/run/${ENGINE_NAME}`;
/** The engine's own bridge (at most 15 characters: a Linux interface name). */
const BRIDGE = 'mugate-docker0';
const BRIDGE_ADDRESS = '172.31.254.1/24';
const dockerCache = join(cacheDir, 'docker');
/** The docker CLI's configuration directory the tests use: the Compose v2 plugin lives in it. */
const dockerConfigDir = join(dockerCache, 'cli');
const composePlugin = join(dockerConfigDir, 'cli-plugins', 'docker-compose');

/** The environment the docker CLI, Compose and testcontainers need to use this engine. */
export function engineEnvironment() {
  return {
    DOCKER_HOST: `unix://${runDir}/docker.sock`,
    DOCKER_CONFIG: dockerConfigDir,
    // testcontainers' reaper runs in an image of its own, which cannot be pulled here; the tests clean up.
    TESTCONTAINERS_RYUK_DISABLED: 'true',
  };
}

/** Why this machine cannot run the engine, or null when it can (installing Debian's docker.io if needed). */
export function whyNoEngine() {
  if (process.platform !== 'linux') return `a Docker engine of the tests' own needs Linux (this is ${process.platform})`;
  if (commandWorks('dockerd', ['--version'])) return null;
  if (process.getuid?.() !== 0) return 'dockerd is missing; install it with: sudo apt-get install -y docker.io';
  if (!commandWorks('apt-get', ['--version'])) return 'dockerd is missing and this machine has no apt-get to install Debian\'s docker.io';
  aptInstall(['docker.io'], { why: " (the compose tests' engine)" });
  return null;
}

/**
 * Compose v2 as a docker CLI plugin in dockerConfigDir: taken once from Debian trixie's docker-compose package
 * (its .deb, downloaded and unpacked with the trixie chroot's apt; the package's Go binary runs on bookworm).
 */
export function ensureComposePlugin({ log = console.log } = {}) {
  if (!existsSync(composePlugin)) {
    ensureChroot('trixie', { log });
    const root = chrootDir('trixie');
    const work = mkdtempSync(join(root, 'tmp', 'compose-'));
    const inside = work.slice(root.length);
    try {
      log('deps: taking Compose v2 from Debian trixie\'s docker-compose package (once)');
      execFileSync('chroot', [root, 'sh', '-ec', `cd ${inside} && (apt-get download docker-compose || (apt-get update -qq && apt-get download docker-compose))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      execFileSync('sh', ['-ec', `dpkg-deb -x "$1"/docker-compose_*.deb "$1/unpacked"`, 'sh', work]);
      mkdirSync(join(dockerConfigDir, 'cli-plugins'), { recursive: true });
      copyFileSync(join(work, 'unpacked', 'usr', 'libexec', 'docker', 'cli-plugins', 'docker-compose'), `${composePlugin}.partial`);
      chmodSync(`${composePlugin}.partial`, 0o755);
      renameSync(`${composePlugin}.partial`, composePlugin);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const version = execFileSync(composePlugin, ['version', '--short'], { encoding: 'utf8' }).trim();
  return { plugin: composePlugin, version };
}

function removeBridge() {
  if (commandWorks('ip', ['link', 'show', BRIDGE])) execFileSync('ip', ['link', 'delete', BRIDGE]);
}

function pidIn(file) {
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

/**
 * Starts the engine and waits until it answers; `stop()` stops it and removes its bridge again (the compose
 * networks go with the engine's own `docker compose down`). One run at a time owns the engine: another run's
 * start waits until the owner has stopped it, and an engine whose owner is gone (a killed run) is stopped first.
 */
export async function startDockerEngine({ log = console.log } = {}) {
  const reason = whyNoEngine();
  if (reason) throw new Error(`docker engine: ${reason}`);
  mkdirSync(runDir, { recursive: true });
  const pidFile = join(runDir, 'dockerd.pid');
  const ownerFile = join(runDir, 'owner.pid');
  // The owner file is created exclusively, so of two runs starting together one owns the engine.
  for (;;) {
    try {
      writeFileSync(ownerFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const owner = pidIn(ownerFile);
    if (owner !== undefined && processAlive(owner)) {
      log(`docker engine: waiting for the run that owns it (pid ${owner}) to finish`);
      await waitUntil('the other run\'s engine', async () => !processAlive(owner), { timeoutMs: 90 * 60_000 });
    }
    rmSync(ownerFile, { force: true });
  }
  const stale = pidIn(pidFile);
  if (stale !== undefined && processAlive(stale)) {
    log(`docker engine: stopping the engine a killed run left running (pid ${stale})`);
    process.kill(stale, 'SIGTERM');
    await waitUntil('the engine a killed run left', async () => !processAlive(stale), { timeoutMs: 60_000 });
  }
  rmSync(pidFile, { force: true });
  removeBridge();
  execFileSync('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  execFileSync('ip', ['address', 'add', BRIDGE_ADDRESS, 'dev', BRIDGE]);
  execFileSync('ip', ['link', 'set', BRIDGE, 'up']);
  mkdirSync(join(dockerCache, 'data'), { recursive: true });
  const logFile = join(dockerCache, 'dockerd.log');
  rmSync(logFile, { force: true });
  const child = startProcess('dockerd', [
    `--data-root=${join(dockerCache, 'data')}`,
    `--exec-root=${join(runDir, 'exec')}`,
    `--pidfile=${pidFile}`,
    `--host=${engineEnvironment().DOCKER_HOST}`,
    `--bridge=${BRIDGE}`,
    '--iptables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    // Compose networks take their subnets from this pool, away from the addresses of common private networks.
    '--default-address-pool=base=172.31.0.0/17,size=24',
  ], { logFile, env: {} });
  const env = { ...process.env, ...engineEnvironment() };
  await waitUntil('dockerd', async () => commandWorks('docker', ['info'], env), { timeoutMs: 120_000, logFile, process: child });
  return {
    env: engineEnvironment(),
    logFile,
    async stop() {
      await stopProcessGroup(child.pid, 60_000);
      rmSync(pidFile, { force: true });
      removeBridge();
      rmSync(ownerFile, { force: true });
    },
  };
}
