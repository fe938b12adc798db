/**
 * Quick start (c) of README.md, followed literally: its nginx.conf, with the installed files where the test
 * put them and this machine's loopback for Keycloak and MLflow, must pass `nginx -t`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confDir, projectRoot } from '../../scripts/nginx.mjs';

const readme = readFileSync(join(confDir, '..', 'README.md'), 'utf8');

function quickStartConf(): string {
  const section = readme.slice(readme.indexOf('## Quick start (c)'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no nginx block in Quick start (c)');
  return block[1];
}

/** The files the quick start's `install … -t /etc/nginx/mlflow-uma-gate` line names, relative to the checkout. */
function installedFiles(): string[] {
  const line = /^sudo install -D -m 0644 -t \/etc\/nginx\/mlflow-uma-gate (.+)$/m.exec(readme);
  if (!line) throw new Error('README: no install line in Quick start (c)');
  return line[1].split(' ');
}

describe('README quick start (c): an NGINX you already run', () => {
  it('gives a configuration nginx accepts', () => {
    const root = mkdtempSync(join(tmpdir(), 'readme-nginx-'));
    try {
      // Where the README installs them relative to nginx.conf: the snippets include one another that way.
      const installed = join(root, 'mlflow-uma-gate');
      mkdirSync(installed);
      for (const file of installedFiles()) copyFileSync(join(projectRoot, file), join(installed, basename(file)));
      mkdirSync(join(root, 'cache'));
      const conf = quickStartConf()
        .replace('load_module modules/ngx_http_js_module.so;', `load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\nevents {}\npid ${root}/nginx.pid;\nerror_log ${root}/error.log;`)
        .replaceAll('/etc/nginx/mlflow-uma-gate/', `${installed}/`)
        .replaceAll('/var/cache/nginx/mlflow-uma-gate', `${root}/cache`)
        .replaceAll('/var/log/nginx/', `${root}/`)
        .replace('sso.example.com:443', '127.0.0.1:8443')
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
