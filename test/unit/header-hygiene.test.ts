import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STRIPPED_HEADERS, unstrippableHeader } from '../../src/core/header-hygiene';
import { projectRoot } from '../../scripts/nginx.mjs';

describe('unstrippableHeader', () => {
  it('lets ordinary headers and the listed names through (nginx strips the latter)', () => {
    expect(unstrippableHeader(['Host', 'Content-Type', 'X-Request-Id', 'x-forwarded-user', 'X-AUTH-REQUEST-EMAIL', 'Forwarded'])).toBeNull();
  });

  it.each([
    'X_Forwarded_User',
    'x_forwarded_user',
    'Remote_User',
    'X_Auth_Request_User',
    'X-HTTP-Method_Override',
    'X-Auth-Request-Roles',
    'x-auth-request-anything',
  ])('refuses %s', (name) => {
    expect(unstrippableHeader(['Host', name])).toBe(name);
  });
});

describe('nginx/mlflow-uma-gate.locations.conf', () => {
  it('strips every listed header before proxying to MLflow', () => {
    const conf = readFileSync(join(projectRoot, 'nginx', 'mlflow-uma-gate.locations.conf'), 'utf8');
    const proxied = conf.slice(conf.indexOf('location / {'), conf.indexOf('\n}\n', conf.indexOf('location / {')));
    const stripped = [...proxied.matchAll(/proxy_set_header ([\w-]+) "";/g)].map((match) => match[1].toLowerCase());
    STRIPPED_HEADERS.forEach((name) => expect(stripped).toContain(name));
  });
});
