// The Helm chart deploy/helm/mlflow-uma-gate takes the gate's nginx conf, bundles and realm, and the compose
// stack's init scripts, from the very files the other stacks use: this script copies them into the chart's
// files/ (which git ignores), where the templates read them with .Files, before helm lints, renders or packages
// the chart. `npm run chart` stages and packages it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helm, installHelm } from './helm.mjs';
import { bundleDir, confDir, projectRoot } from './nginx.mjs';
import { realmFile } from './realm.mjs';

export const chartDir = join(projectRoot, 'deploy', 'helm', 'mlflow-uma-gate');
export const chartFilesDir = join(chartDir, 'files');

/** files/<directory> → the project's files staged there. */
export function chartFileSources() {
  const named = (dir, test) => readdirSync(dir).filter(test).sort().map((name) => join(dir, name));
  return {
    nginx: [...named(confDir, (name) => name.endsWith('.conf')), join(confDir, 'nginx.conf.template'), join(confDir, 'template-defaults.env')],
    njs: named(bundleDir, (name) => /^mlflow-uma-gate.*\.js$/.test(name) || name === 'mlflow-uma-gate-routes.json'),
    gate: [join(projectRoot, 'docker', 'gate', 'tls.conf')],
    keycloak: [realmFile],
    postgres: [join(projectRoot, 'docker', 'postgres', 'init-databases.sh')],
    objectstore: [join(projectRoot, 'docker', 'minio', 'init-bucket.sh')],
  };
}

/**
 * Makes files/ hold exactly the current files; the bundles must have been built (node build.mjs). A file already
 * up to date is left alone, so a test run rendering the chart meanwhile never reads one half-written.
 */
export function stageChartFiles() {
  const sources = chartFileSources();
  if (sources.njs.length === 0) throw new Error(`chart: no bundles in ${relative(projectRoot, bundleDir)}/; run node build.mjs first`);
  const staged = new Set(Object.keys(sources));
  if (existsSync(chartFilesDir)) for (const dir of readdirSync(chartFilesDir)) if (!staged.has(dir)) rmSync(join(chartFilesDir, dir), { recursive: true });
  for (const [dir, files] of Object.entries(sources)) {
    const target = join(chartFilesDir, dir);
    mkdirSync(target, { recursive: true });
    const names = new Set(files.map((file) => basename(file)));
    for (const name of readdirSync(target)) if (!names.has(name)) rmSync(join(target, name));
    for (const file of files) {
      const copy = join(target, basename(file));
      if (!existsSync(copy) || !readFileSync(copy).equals(readFileSync(file))) copyFileSync(file, copy);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const destination = process.argv[2] ?? join(projectRoot, 'deploy', 'helm');
  installHelm();
  stageChartFiles();
  console.log(helm(['package', chartDir, '--destination', destination]).trim());
}
