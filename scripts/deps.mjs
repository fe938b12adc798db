// Installs what the tests and `npm run stack` run, when it is missing: nginx + njs and PostgreSQL from Debian's
// packages, Chromium from Debian's packages for the browser test (test tools cannot download browsers here), the
// pinned Keycloak from Maven Central, the pinned MLflow from PyPI and the pinned Helm built from its Go module
// (all cached, see scripts/cache.mjs).
// Run as root, or install the Debian packages first: apt-get install nginx libnginx-mod-http-js njs postgresql chromium
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { aptInstall, commandWorks } from './debian-packages.mjs';
import { installHelm } from './helm.mjs';
import { installKeycloak } from './keycloak.mjs';
import { installMlflow } from './mlflow.mjs';
import { postgresBinDir } from './postgres.mjs';

const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';
const DEBIAN_PACKAGES = ['nginx', 'libnginx-mod-http-js', 'njs', 'postgresql', 'chromium'];
/** Debian's Chromium, which the browser test drives with playwright-core. */
export const chromiumPath = '/usr/bin/chromium';

function postgresInstalled() {
  try {
    postgresBinDir();
    return true;
  } catch {
    return false;
  }
}

export function installDebianPackages() {
  if (commandWorks('nginx', ['-v']) && existsSync(NJS_MODULE) && commandWorks('njs', ['-v']) && postgresInstalled() && existsSync(chromiumPath)) {
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`deps: nginx, njs, PostgreSQL or Chromium is missing; install them with: sudo apt-get install -y ${DEBIAN_PACKAGES.join(' ')}`);
  }
  aptInstall(DEBIAN_PACKAGES, { update: true });
}

export async function installAll() {
  installDebianPackages();
  const keycloak = await installKeycloak();
  const mlflow = installMlflow();
  const helm = installHelm();
  console.log(`deps: nginx + njs, PostgreSQL, Chromium, Keycloak ${keycloak.version}, MLflow ${mlflow.version}, Helm ${helm.version} ready`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  installAll().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
