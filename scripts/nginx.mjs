// Renders nginx/nginx.conf.template and runs nginx + njs (Debian's packages, the host's or a chroot's, see
// scripts/njs-chroots.mjs) as a plain process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxCommand, njsRuntime } from './njs-chroots.mjs';
import { freePort, logTail, portAcceptsConnections, reachableBy, startProcess, stopProcessGroup, waitUntil } from './processes.mjs';
import { importTypeScript } from './typescript.mjs';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const bundleDir = join(projectRoot, 'dist');
export const confDir = join(projectRoot, 'nginx');

/**
 * Values for nginx/nginx.conf.template that need no caller: the settings' defaults (src/core/settings.ts) and
 * where this checkout keeps the bundles.
 */
async function nginxTemplateDefaults() {
  const { templateDefaults } = await importTypeScript(join(projectRoot, 'src', 'core', 'settings.ts'));
  return { ...templateDefaults(), MLFLOW_GATE_BUNDLE_DIR: bundleDir };
}

/** Fills `${NAME}` placeholders like the official nginx image's envsubst step, but fails on a missing name. */
export function renderTemplate(template, values) {
  const missing = new Set();
  const text = template.replace(/\$\{([A-Z0-9_]+)\}/g, (placeholder, name) => {
    if (values[name] === undefined) missing.add(name);
    return values[name] ?? placeholder;
  });
  if (missing.size > 0) throw new Error(`nginx.conf.template: no value for ${[...missing].join(', ')}`);
  return text;
}

// QuickJS is chosen for the whole http block, before anything loads a bundle.
const JS_PATH_LINE = /^(\s*)js_path .*$/m;

function withJsEngine(conf, engine) {
  if (engine === null) return conf;
  if (!JS_PATH_LINE.test(conf)) throw new Error('nginx.conf.template: no js_path line to put js_engine after');
  return conf.replace(JS_PATH_LINE, (line, indent) => `${line}\n${indent}js_engine ${engine};`);
}

// Started as root, nginx runs its workers as this account; they write temp files and the decision cache.
const WORKER_ACCOUNT = { user: 'nobody', group: 'nogroup' };

/**
 * Where nginx's workers may write below `runtimeDir` (temp files, caches): `<runtimeDir>/temp`, or, when the
 * workers could not reach that, a directory under the system temp directory.
 */
export function workerTempDir(runtimeDir) {
  mkdirSync(runtimeDir, { recursive: true });
  const tempDir = reachableBy(WORKER_ACCOUNT, join(runtimeDir, 'temp'));
  mkdirSync(tempDir, { recursive: true });
  return tempDir;
}

/**
 * Tests and starts nginx with the configuration file `conf` (config, logs and pid in `runtimeDir`) and waits
 * until it accepts connections on `port`. `njs` names the nginx + njs to run (scripts/njs-chroots.mjs), by
 * default the one MLFLOW_UMA_GATE_NJS names. Returns the nginx master process.
 * @param {{ runtimeDir: string, conf: string, port: number, errorLog: string, njs?: string }} options
 */
export async function runNginx({ runtimeDir, conf, port, errorLog, njs }) {
  const runtime = njsRuntime(njs);
  const worker = userInfo().uid === 0 ? ` user ${WORKER_ACCOUNT.user} ${WORKER_ACCOUNT.group};` : '';
  const globals = `daemon off; pid ${join(runtimeDir, 'nginx.pid')};${worker}`;
  const dirs = [projectRoot, runtimeDir, workerTempDir(runtimeDir)];
  try {
    execFileSync(...nginxCommand(runtime, ['-t', '-q', '-p', runtimeDir, '-c', conf, '-g', globals], dirs), { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`nginx (${runtime.name}): configuration test failed:\n${error.stderr}`);
  }
  const child = startProcess(...nginxCommand(runtime, ['-p', runtimeDir, '-c', conf, '-g', globals], dirs), { logFile: errorLog });
  await waitUntil('nginx', () => portAcceptsConnections(port), { timeoutMs: 15_000, logFile: errorLog, process: child });
  return child;
}

// What an installation with njs 0.8 or later adds, by the directory it goes in: the shared dictionaries (metrics,
// shared allows) and the count of MLflow's answers ("Metrics" and "Decision cache" in README.md).
export const NEWER_NJS_SNIPPETS = { 'http.d': 'mlflow-uma-gate.zones.conf', 'server.d': 'mlflow-uma-gate.metrics-count.conf' };

/**
 * The snippets' directory in `runtimeDir`, as an installation lays it out under /etc/nginx: links to the files of
 * `templateDir` and of its http.d/ and server.d/, plus, where `newerNjs`, the snippets for njs 0.8 and later in those two.
 */
function installSnippets(runtimeDir, templateDir, newerNjs, countResponses) {
  const snippets = join(runtimeDir, 'mlflow-uma-gate');
  rmSync(snippets, { recursive: true, force: true });
  const linkFiles = (from, to) => {
    mkdirSync(to, { recursive: true });
    if (!existsSync(from)) return;
    for (const name of readdirSync(from)) {
      if (statSync(join(from, name)).isFile()) symlinkSync(join(from, name), join(to, name));
    }
  };
  linkFiles(templateDir, snippets);
  for (const [dir, snippet] of Object.entries(NEWER_NJS_SNIPPETS)) {
    linkFiles(join(templateDir, dir), join(snippets, dir));
    if (newerNjs && (countResponses || dir !== 'server.d')) symlinkSync(join(templateDir, snippet), join(snippets, dir, snippet));
  }
  return snippets;
}

/**
 * Starts nginx in `runtimeDir` (config, logs and pid live there; temp files and the decision cache in
 * workerTempDir(runtimeDir)).
 * `settings` are template values: at least MLFLOW_GATE_ISSUER, MLFLOW_GATE_KEYCLOAK_UPSTREAM and
 * MLFLOW_GATE_MLFLOW_UPSTREAM. `templateDir` holds nginx.conf.template and the snippets (this checkout's nginx/, or
 * copies to run, such as the Helm chart's ConfigMaps). `njs` names the nginx + njs to run (scripts/njs-chroots.mjs),
 * by default the one MLFLOW_UMA_GATE_NJS names; where it has shared dictionaries, the gate uses them (metrics, shared allows),
 * and counts MLflow's answers unless `countResponses` is false (the bench's measure of that count's cost). Returns
 * { url, port, metricsUrl, pid, errorLog, accessLog, auditLog, tempDir, stop }.
 * @param {{ runtimeDir: string, port?: number, settings: Record<string, string>, templateDir?: string, njs?: string, countResponses?: boolean }} options
 */
export async function startNginx({ runtimeDir, port, settings, templateDir = confDir, njs, countResponses = true }) {
  const runtime = njsRuntime(njs);
  const listenPort = port ?? (await freePort());
  const tempDir = workerTempDir(runtimeDir);
  const errorLog = join(runtimeDir, 'error.log');
  const accessLog = join(runtimeDir, 'access.log');
  const auditLog = join(runtimeDir, 'audit.log');
  const conf = join(runtimeDir, 'nginx.conf');
  // The snippets include each other by a path relative to the directory of nginx.conf, as under /etc/nginx.
  const snippets = installSnippets(runtimeDir, templateDir, runtime.sharedDictionaries, countResponses);
  const metricsPort = await freePort();
  writeFileSync(
    conf,
    withJsEngine(renderTemplate(readFileSync(join(templateDir, 'nginx.conf.template'), 'utf8'), {
      ...(await nginxTemplateDefaults()),
      MLFLOW_GATE_CONF_DIR: snippets,
      MLFLOW_GATE_LISTEN: `127.0.0.1:${listenPort}`,
      MLFLOW_GATE_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      MLFLOW_GATE_RUNTIME_DIR: tempDir,
      MLFLOW_GATE_ERROR_LOG: errorLog,
      MLFLOW_GATE_ACCESS_LOG: accessLog,
      MLFLOW_GATE_AUDIT_LOG: auditLog,
      ...settings,
    }), runtime.engine),
  );
  const child = await runNginx({ runtimeDir, conf, port: listenPort, errorLog, njs: runtime.name });
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid: child.pid,
    errorLog,
    accessLog,
    auditLog,
    tempDir,
    errorLogTail: (lines) => logTail(errorLog, lines),
    stop: () => stopProcessGroup(child.pid),
  };
}
