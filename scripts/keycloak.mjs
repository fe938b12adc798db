// The pinned Keycloak from Maven Central (org.keycloak:keycloak-quarkus-dist), cached, and started in dev
// mode on 127.0.0.1 with a realm file imported. Each start gets its own home directory (copied bin/ and conf/,
// shared lib/, themes/, providers/) so its database and imported realm never touch the cached distribution.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.mjs';
import { freePort, portAcceptsConnections, startProcess, stopProcessGroup, waitUntil } from './processes.mjs';

export const KEYCLOAK_VERSION = '26.5.6';
// Keycloak 26 runs on Java 21 or newer.
const MINIMUM_JAVA = 21;
const DIST_URL = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`;
export const KEYCLOAK_ADMIN = { username: 'bootstrap-admin', password: 'bootstrap-admin-dev-password' };

const distHome = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`, `keycloak-${KEYCLOAK_VERSION}`);

function javaMajorVersion(javaHome) {
  const release = join(javaHome, 'release');
  if (!existsSync(release)) return 0;
  const version = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
  return version ? Number(version[1]) : 0;
}

/** JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm that is. */
export function findJavaHome() {
  const candidates = [process.env.JAVA_HOME, ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d)) : [])]
    .filter(Boolean)
    .map((home) => ({ home, version: javaMajorVersion(home) }))
    .filter((jdk) => jdk.version >= MINIMUM_JAVA)
    .sort((a, b) => b.version - a.version);
  if (candidates.length === 0) {
    throw new Error(`keycloak: Keycloak ${KEYCLOAK_VERSION} needs Java ${MINIMUM_JAVA}+; none found in JAVA_HOME or /usr/lib/jvm`);
  }
  return candidates[0].home;
}

async function download(url, file) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`keycloak: download of ${url} failed: HTTP ${response.status}`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

/** Downloads and unpacks the pinned distribution once; checks Maven Central's SHA-1. */
export async function installKeycloak({ log = console.log } = {}) {
  const javaHome = findJavaHome();
  if (existsSync(join(distHome, 'bin', 'kc.sh'))) return { home: distHome, version: KEYCLOAK_VERSION, javaHome };
  const parent = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
  rmSync(parent, { recursive: true, force: true });
  mkdirSync(parent, { recursive: true });
  const zip = join(parent, basename(DIST_URL));
  log(`deps: downloading Keycloak ${KEYCLOAK_VERSION} from Maven Central`);
  await download(DIST_URL, zip);
  const expected = (await (await fetch(`${DIST_URL}.sha1`)).text()).trim().slice(0, 40);
  const actual = createHash('sha1').update(readFileSync(zip)).digest('hex');
  if (actual !== expected) throw new Error(`keycloak: checksum mismatch for ${zip}: ${actual} != ${expected}`);
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, `${parent}.partial`]);
  execFileSync('chmod', ['+x', ...readdirSync(join(`${parent}.partial`, `keycloak-${KEYCLOAK_VERSION}`, 'bin')).filter((f) => f.endsWith('.sh')).map((f) => join(`${parent}.partial`, `keycloak-${KEYCLOAK_VERSION}`, 'bin', f))]);
  cpSync(join(`${parent}.partial`, `keycloak-${KEYCLOAK_VERSION}`), distHome, { recursive: true });
  rmSync(`${parent}.partial`, { recursive: true, force: true });
  rmSync(zip);
  return { home: distHome, version: KEYCLOAK_VERSION, javaHome };
}

function prepareHome(home, realmFile) {
  if (!existsSync(join(home, 'bin'))) {
    mkdirSync(home, { recursive: true });
    cpSync(join(distHome, 'bin'), join(home, 'bin'), { recursive: true });
    cpSync(join(distHome, 'conf'), join(home, 'conf'), { recursive: true });
    ['lib', 'providers', 'themes'].forEach((dir) => symlinkSync(join(distHome, dir), join(home, dir)));
  }
  mkdirSync(join(home, 'data', 'import'), { recursive: true });
  if (realmFile) copyFileSync(realmFile, join(home, 'data', 'import', basename(realmFile)));
}

/**
 * Starts Keycloak in dev mode with its own home `dataDir` (reused on restart, so data and keys survive),
 * importing `realmFile` on first start. Resolves when the imported realm answers.
 * With `https`, Keycloak also serves HTTPS on 127.0.0.1 with that certificate (PEM files), and its issuer is
 * `https://localhost:<https port>`: certificates name hosts, and nginx verifies Keycloak's by name. Its plain
 * HTTP port stays open for the test's own calls. Returns { url (plain HTTP), port, frontendUrl (the issuer's
 * base), httpsPort, pid, stop }.
 * @param {{ port?: number, dataDir: string, realmFile: string, logFile: string, realm?: string,
 *   https?: { port?: number, certificateFile: string, keyFile: string } }} options
 */
export async function startKeycloak({ port, dataDir, realmFile, logFile, realm = 'mlflow', https }) {
  const { javaHome } = await installKeycloak();
  const httpPort = port ?? (await freePort());
  const httpsPort = https ? (https.port ?? (await freePort())) : null;
  // A fixed issuer: tokens say 127.0.0.1 (or, with https, localhost) whether they were fetched through
  // 127.0.0.1 or localhost, as the gate's configured issuer expects.
  const frontendUrl = https ? `https://localhost:${httpsPort}` : `http://127.0.0.1:${httpPort}`;
  const tls = https ? [`--https-port=${httpsPort}`, `--https-certificate-file=${https.certificateFile}`, `--https-certificate-key-file=${https.keyFile}`] : [];
  prepareHome(dataDir, realmFile);
  const child = startProcess(
    join(dataDir, 'bin', 'kc.sh'),
    [
      'start-dev',
      '--http-host=127.0.0.1',
      `--http-port=${httpPort}`,
      ...tls,
      `--hostname=${frontendUrl}`,
      '--import-realm',
      '--cache=local',
      '--http-management-port=0',
    ],
    {
      logFile,
      env: {
        JAVA_HOME: javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: KEYCLOAK_ADMIN.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: KEYCLOAK_ADMIN.password,
      },
    },
  );
  const url = `http://127.0.0.1:${httpPort}`;
  await waitUntil(
    'keycloak',
    async () => (await portAcceptsConnections(httpPort)) && (await fetch(`${url}/realms/${realm}`)).status === 200,
    // Seconds alone (40–60 s), but minutes on a 2-core machine that runs other suites at once (over 180 s, measured).
    { timeoutMs: 300_000, logFile, process: child },
  );
  return { url, port: httpPort, frontendUrl, httpsPort, pid: child.pid, stop: () => stopProcessGroup(child.pid, 20_000) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'install') {
    installKeycloak().then((kc) => console.log(kc), (error) => {
      console.error(error.message);
      process.exit(1);
    });
  } else {
    console.error('usage: node scripts/keycloak.mjs install');
    process.exit(2);
  }
}
