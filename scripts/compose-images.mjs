// The images docker-compose.yml names, for the compose tests on a machine that can pull no image: stand-ins
// built from Debian's packages (debootstrap, imported into the tests' own engine, scripts/docker-engine.mjs),
// the Maven Central Keycloak and PyPI's wheels, tagged with the names the compose file uses so the file runs
// as users run it. The recipes are test/e2e-compose/images/<name>/; README.md ("Develop and test") says what a
// stand-in cannot prove. Each image is built once: its label holds a hash of its recipe and inputs, and an
// image whose label matches is kept.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cacheDir } from './cache.mjs';
import { installKeycloak } from './keycloak.mjs';
import { installMlflow, mlflowPython } from './mlflow.mjs';
import { projectRoot } from './nginx.mjs';

const RECIPE_LABEL = 'org.mlflow-uma-gate.recipe';
const recipesDir = join(projectRoot, 'test', 'e2e-compose', 'images');
const workDir = join(cacheDir, 'compose-images');
/** The compose file the tests add to docker-compose.yml: versitygw in MinIO's place. */
export const versitygwOverride = join(projectRoot, 'test', 'e2e-compose', 'compose.versitygw.yml');
const VERSITYGW_IMAGE = parse(readFileSync(versitygwOverride, 'utf8')).services.minio.image;
/** The S3 server's release, as its image's tag names it: built from its Go module. */
const VERSITYGW_VERSION = VERSITYGW_IMAGE.split(':').pop();

/** The root file systems the stand-ins start from: Debian suites with the packages the images need. */
const BASES = {
  bookworm: ['python3', 'python3-pip', 'ca-certificates'],
  trixie: ['nginx', 'libnginx-mod-http-js', 'curl', 'gettext-base', 'ca-certificates', 'postgresql-17', 'openjdk-21-jre-headless'],
};

const composeFile = parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8'));

/** The image the compose file gives `service`. */
function composeImage(service) {
  return composeFile.services[service].image;
}

function hashOf(...parts) {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? part : JSON.stringify(part)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function filesHash(dir) {
  return hashOf(...readdirSync(dir).sort().flatMap((name) => [name, readFileSync(join(dir, name), 'latin1')]));
}

/** The last lines a failed command printed. */
function outputTail(error, lines = 30) {
  return `${error.stdout ?? ''}${error.stderr ?? ''}`.split('\n').slice(-lines).join('\n');
}

function docker(args, env, options = {}) {
  return execFileSync('docker', args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

function builtRecipe(tag, env) {
  const result = spawnSync('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${RECIPE_LABEL}"}}`, tag], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** A Debian suite's root file system with BASES' packages as an image (debootstrap, then docker import). */
function ensureBase(suite, env, log) {
  const recipe = hashOf(suite, BASES[suite]);
  const tag = `mlflow-uma-gate-test/debian-${suite}:${recipe}`;
  if (builtRecipe(tag, env) === recipe) return tag;
  const root = join(workDir, `rootfs-${suite}.partial-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  log(`compose images: building a Debian ${suite} root file system (debootstrap, once)`);
  try {
    execFileSync('debootstrap', ['--variant=minbase', `--include=${BASES[suite].join(',')}`, suite, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync('sh', ['-ec', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*; tar -C "$1" --numeric-owner -c . | docker import --change "LABEL $2=$3" - "$4"', 'sh', root, RECIPE_LABEL, recipe, tag], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(`compose images: the ${suite} base failed:\n${outputTail(error)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  log(`compose images: ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
  return tag;
}

/** The image docker/mlflow/Dockerfile builds on (its FROM). */
function mlflowBaseImage() {
  const dockerfile = join(projectRoot, composeFile.services.mlflow.build.context, 'Dockerfile');
  const from = /^FROM\s+(\S+)/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!from) throw new Error(`compose images: no FROM in ${dockerfile}`);
  return from[1];
}

/** What docker/mlflow/Dockerfile installs with pip, as the compose file's build arguments give the versions. */
function mlflowRequirements() {
  const args = composeFile.services.mlflow.build.args;
  return [`mlflow==${args.MLFLOW_VERSION}`, `psycopg2-binary==${args.PSYCOPG2_VERSION}`, `boto3==${args.BOTO3_VERSION}`];
}

/** The wheels of mlflowRequirements() for the bookworm stand-in's Python 3.11, downloaded once from PyPI. */
function ensureWheels(log) {
  const requirements = mlflowRequirements();
  const dir = join(workDir, `wheels-${hashOf(requirements)}`);
  if (existsSync(dir)) return dir;
  installMlflow({ log });
  log(`compose images: downloading the wheels of ${requirements.join(' ')} from PyPI (once)`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  execFileSync(mlflowPython, ['-m', 'pip', 'download', '--quiet', '--only-binary=:all:', '--dest', partial, ...requirements], {
    stdio: 'inherit',
    env: { ...process.env, PIP_FIND_LINKS: '' },
  });
  renameSync(partial, dir);
  return dir;
}

/** versitygw, built statically from its Go module once. */
function ensureVersitygw(log) {
  const dir = join(cacheDir, `versitygw-${VERSITYGW_VERSION}`);
  const binary = join(dir, 'versitygw');
  if (existsSync(binary)) return binary;
  log(`compose images: building versitygw ${VERSITYGW_VERSION} from its Go module (once)`);
  const partial = `${dir}.partial-${process.pid}`;
  execFileSync('go', ['install', `-ldflags=-s -w -X main.Version=${VERSITYGW_VERSION}`, `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: partial, CGO_ENABLED: '0' },
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return binary;
}

/**
 * Builds the image `tag` from test/e2e-compose/images/`recipe`/ on `base`, with `extras` (name → host path)
 * copied into the build context beside the recipe's files.
 */
function ensureStandIn(tag, recipe, base, extras, env, log) {
  const dir = join(recipesDir, recipe);
  const hash = hashOf(filesHash(dir), base, tag, extras);
  if (builtRecipe(tag, env) === hash) return;
  const context = join(workDir, `context-${recipe}-${process.pid}`);
  rmSync(context, { recursive: true, force: true });
  cpSync(dir, context, { recursive: true });
  for (const [name, source] of Object.entries(extras)) cpSync(source, join(context, name), { recursive: true });
  const started = Date.now();
  log(`compose images: building ${tag} (stands in for it: test/e2e-compose/images/${recipe})`);
  try {
    docker(['build', '--quiet', '--build-arg', `BASE=${base}`, '--label', `${RECIPE_LABEL}=${hash}`, '--tag', tag, context], { ...env, DOCKER_BUILDKIT: '0' }, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`compose images: building ${tag} failed:\n${outputTail(error)}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  log(`compose images: ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Every image the compose tests run, in the engine `env` (scripts/docker-engine.mjs) points at: the stand-ins
 * under the compose file's names, and versitygw. MLflow's own image is built by compose from docker/mlflow.
 */
export async function ensureComposeImages(env, { log = console.log } = {}) {
  // The same release as the tests' Keycloak: test/unit/compose.test.ts keeps the compose file's tag equal to it.
  const keycloak = await installKeycloak({ log });
  const bookworm = ensureBase('bookworm', env, log);
  const trixie = ensureBase('trixie', env, log);
  ensureStandIn(mlflowBaseImage(), 'python', bookworm, { wheels: ensureWheels(log) }, env, log);
  ensureStandIn(composeImage('gate'), 'nginx', trixie, {}, env, log);
  ensureStandIn(composeImage('keycloak'), 'keycloak', trixie, { keycloak: keycloak.home }, env, log);
  ensureStandIn(composeImage('postgres'), 'postgres', trixie, {}, env, log);
  ensureStandIn(VERSITYGW_IMAGE, 'versitygw', trixie, { versitygw: ensureVersitygw(log) }, env, log);
}
