/**
 * nginx's buffers on the paths a token travels, against the largest token the gate accepts by default
 * ($mlflow_gate_max_token_bytes): what nginx must hold for such a token to reach the gate, and every answer
 * carrying it to be read in memory. A smaller buffer fails only for people in many groups, so it is checked here;
 * and so is the buffer of MLflow's answers to attributed requests, which fails only for large ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confDir } from '../../scripts/nginx.mjs';
import { readConfig } from '../../src/core/config';

const MAX_TOKEN_BYTES = (() => {
  const read = readConfig((name) => (name === 'issuer' ? 'https://sso.example.com/realms/mlflow' : undefined));
  if (!read.ok) throw new Error(read.problem);
  return read.config.tokenPolicy.maxTokenLength;
})();
const KEYCLOAK_CONF = 'mlflow-uma-gate.keycloak.conf';
const snippet = (name: string) => readFileSync(join(confDir, name), 'utf8');
const locationsConf = snippet('mlflow-uma-gate.locations.conf');
const helperConf = snippet('mlflow-uma-gate.helper.conf');
const keycloakConf = snippet(KEYCLOAK_CONF);

/** An nginx size (`8k`, `1m`, `512`) in bytes. */
function bytes(size: string): number {
  const parts = /^(\d+)([km]?)$/i.exec(size);
  if (!parts) throw new Error(`not an nginx size: ${size}`);
  return Number(parts[1]) * { '': 1, k: 1024, m: 1024 * 1024 }[parts[2].toLowerCase() as '' | 'k' | 'm'];
}

/** The arguments of the one `name` directive in `text`. */
function directive(text: string, name: string): string[] {
  const found = [...text.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))];
  expect(found.map((match) => match[0].trim())).toHaveLength(1);
  return found[0][1].trim().split(/\s+/);
}

/** The text of each `location` block of a snippet (blocks end with a `}` at the start of a line). */
function locations(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^location ([^{]+?) \{\n([\s\S]*?)^\}/gm)].map((match) => [match[1], match[2]]));
}

/** What the server-level part of a snippet says (everything outside its locations). */
function serverLevel(text: string): string {
  return text.replace(/^location [^{]+\{\n[\s\S]*?^\}/gm, '');
}

// A token response: access, refresh and ID token, each at most the largest accepted token, and its other fields.
const TOKEN_RESPONSE_BYTES = 3 * MAX_TOKEN_BYTES + 1024;
// The exchange's answer: {"sealed":"…"}, the access and refresh token as JSON, AES-GCM (12-byte IV, 16-byte tag), base64url.
const SEALED_EXCHANGE_BYTES = Math.ceil(((2 * MAX_TOKEN_BYTES + 64 + 28) * 4) / 3) + 16;
// The token request for a Basic credential: what is left of the header after `Basic `, base64-decoded, with every
// byte percent-encoded at worst, and the form's field names.
const TOKEN_REQUEST_BYTES = 3 * Math.ceil((MAX_TOKEN_BYTES * 3) / 4) + 64;

describe('nginx buffers on the paths of large tokens', () => {
  it('let a header line a little above max_token_bytes reach the gate, which answers 401, in both servers', () => {
    const line = 'Authorization: '.length + MAX_TOKEN_BYTES + '\r\n'.length;
    const [count, size] = directive(serverLevel(locationsConf), 'large_client_header_buffers');
    expect(Number(count)).toBeGreaterThanOrEqual(2);
    expect(bytes(size)).toBeGreaterThan(line);
    // The helper server gets the client's headers with attributed requests: it takes what the gate's server took.
    expect(directive(serverLevel(helperConf), 'large_client_header_buffers')).toEqual([count, size]);
  });

  it('turn nginx\'s own refusal of larger headers into MLflow JSON', () => {
    expect(directive(serverLevel(locationsConf), 'error_page')).toEqual(['494', '=', '@mlflow_gate_headers_too_large']);
    expect(locations(locationsConf).get('@mlflow_gate_headers_too_large')).toContain('return 400 ');
  });

  it('read every Keycloak answer in memory: a token response holds three tokens', () => {
    expect(bytes(directive(keycloakConf, 'subrequest_output_buffer_size')[0])).toBeGreaterThanOrEqual(TOKEN_RESPONSE_BYTES);
    const [count, size] = directive(keycloakConf, 'proxy_buffers');
    expect(Number(count) * bytes(size)).toBeGreaterThanOrEqual(TOKEN_RESPONSE_BYTES);
  });

  it('read the exchange\'s sealed answer in memory', () => {
    const exchange = locations(locationsConf).get('= /_mlflow_gate/keycloak/exchange')!;
    expect(bytes(directive(exchange, 'subrequest_output_buffer_size')[0])).toBeGreaterThanOrEqual(SEALED_EXCHANGE_BYTES);
  });

  it('hold the token request of the largest Basic credential in memory at the helper server', () => {
    const exchange = locations(helperConf).get('= /_mlflow_gate/exchange')!;
    expect(bytes(directive(exchange, 'client_max_body_size')[0])).toBeGreaterThanOrEqual(TOKEN_REQUEST_BYTES);
    // njs 0.7.9 cannot read a body nginx wrote to a file.
    expect(bytes(directive(exchange, 'client_body_buffer_size')[0])).toBeGreaterThanOrEqual(TOKEN_REQUEST_BYTES);
  });
});

describe('nginx buffers of attribution', () => {
  it("read MLflow's answer in memory at the helper server: it repeats what the attributed request created", () => {
    const helper = locations(helperConf);
    const accepted = bytes(directive(helper.get('/_mlflow_gate/attribute/')!, 'client_max_body_size')[0]);
    // MLflow's pretty-printed answer to runs/create is up to 2.5 times the body's size (many small tags).
    expect(bytes(directive(helper.get('/_mlflow_gate/mlflow/')!, 'subrequest_output_buffer_size')[0])).toBeGreaterThanOrEqual(2.5 * accepted);
  });
});

describe('nginx/mlflow-uma-gate.keycloak.conf', () => {
  const keycloakLocations = [...locations(locationsConf), ...locations(helperConf)].filter(([, block]) => block.includes('$mlflow_gate_keycloak_scheme://mlflow_gate_keycloak'));

  it('is included by every location that calls Keycloak, which repeat none of it', () => {
    expect(keycloakLocations.map(([name]) => name).sort()).toEqual([
      '/_mlflow_gate/keycloak/protection/',
      '= /_mlflow_gate/keycloak/code',
      '= /_mlflow_gate/keycloak/decision',
      '= /_mlflow_gate/keycloak/discovery',
      '= /_mlflow_gate/keycloak/logout',
      '= /_mlflow_gate/keycloak/permissions',
      '= /_mlflow_gate/keycloak/permissions',
      '= /_mlflow_gate/keycloak/token',
    ]);
    const shared = [...keycloakConf.matchAll(/^(\w+)(?: (Host|Connection))?/gm)].map((match) => match[0]);
    for (const [name, block] of keycloakLocations) {
      expect([name, block]).toEqual([name, expect.stringContaining(`    include mlflow-uma-gate/${KEYCLOAK_CONF};\n`)]);
      for (const setting of shared) expect([name, block]).toEqual([name, expect.not.stringMatching(new RegExp(`^\\s*${setting}\\b`, 'm'))]);
    }
  });

  it('is found where the snippets are: the directory mlflow-uma-gate next to nginx.conf', () => {
    for (const text of [locationsConf, helperConf]) {
      for (const match of text.matchAll(/^\s*include ([^;]+);/gm)) {
        expect(match[1]).toMatch(/^mlflow-uma-gate\/[\w.-]+$/);
        expect(existsSync(join(confDir, match[1].slice('mlflow-uma-gate/'.length)))).toBe(true);
      }
    }
  });
});
