/**
 * Quick start (c) of README.md, followed literally: its nginx.conf, with the installed files where the test
 * put them and this machine's loopback for Keycloak and MLflow, must pass `nginx -t`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleDir, confDir } from '../../scripts/nginx.mjs';

const readme = readFileSync(join(confDir, '..', 'README.md'), 'utf8');

function quickStartConf(): string {
  const section = readme.slice(readme.indexOf('## Quick start (c)'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no nginx block in Quick start (c)');
  return block[1];
}

describe('README quick start (c): an NGINX you already run', () => {
  it('gives a configuration nginx accepts', () => {
    const root = mkdtempSync(join(tmpdir(), 'readme-nginx-'));
    try {
      const installed = join(root, 'etc');
      mkdirSync(installed);
      for (const file of ['mlflow-uma-gate.js', 'mlflow-uma-gate-routes.json']) copyFileSync(join(bundleDir, file), join(installed, file));
      for (const file of ['mlflow-uma-gate.http.conf', 'mlflow-uma-gate.locations.conf', 'mlflow-uma-gate.helper.conf']) {
        copyFileSync(join(confDir, file), join(installed, file));
      }
      mkdirSync(join(root, 'cache'));
      const conf = quickStartConf()
        .replace('load_module modules/ngx_http_js_module.so;', `load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\nevents {}\npid ${root}/nginx.pid;\nerror_log ${root}/error.log;`)
        .replaceAll('/etc/nginx/mlflow-uma-gate/', `${installed}/`)
        .replaceAll('/var/cache/nginx/mlflow-uma-gate', `${root}/cache`)
        .replaceAll('/var/log/nginx/', `${root}/`)
        .replace('keycloak.internal:8080', '127.0.0.1:8080')
        .replace('mlflow.internal:5000', '127.0.0.1:5000')
        .replace('listen 443 ssl;', 'listen 127.0.0.1:18443;')
        .replace('"<output of: openssl rand -base64 32>"', `"${Buffer.alloc(32, 7).toString('base64')}"`);
      writeFileSync(join(root, 'nginx.conf'), conf);
      // nginx -t exits non-zero, naming file and line, on anything it does not accept.
      expect(() => execFileSync('nginx', ['-t', '-q', '-p', root, '-c', join(root, 'nginx.conf')], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
