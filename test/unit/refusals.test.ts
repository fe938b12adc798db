import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSALS, renderRefusal, SIGNALLED_REFUSAL_HEADERS } from '../../src/core/refusals';
import type { RefusalKind } from '../../src/core/refusals';
import { projectRoot } from '../../scripts/nginx.mjs';

describe('renderRefusal', () => {
  it('renders every refusal as an MLflow error body', () => {
    (Object.keys(REFUSALS) as RefusalKind[]).forEach((kind) => {
      const rendered = renderRefusal({ kind, detail: 'runs#write' }, 'mlflow');
      const body = JSON.parse(rendered.body);
      expect(Object.keys(body).sort()).toEqual(['error_code', 'message']);
      expect(body.message).not.toContain('%s');
      expect(rendered.headers['Content-Type']).toBe('application/json');
      expect(rendered.status).toBe(REFUSALS[kind].status);
    });
  });

  it('challenges with WWW-Authenticate on 401 only', () => {
    expect(renderRefusal({ kind: 'no-token', detail: '' }, 'mlflow').headers['WWW-Authenticate']).toBe('Bearer realm="mlflow"');
    expect(renderRefusal({ kind: 'invalid-token', detail: 'x' }, 'mlflow').headers['WWW-Authenticate']).toBe(
      'Bearer realm="mlflow", error="invalid_token"',
    );
    expect(renderRefusal({ kind: 'forbidden', detail: 'runs#write' }, 'mlflow').headers['WWW-Authenticate']).toBeUndefined();
  });

  it('lists the allowed methods on 405', () => {
    const rendered = renderRefusal({ kind: 'method-not-allowed', detail: 'GET, HEAD' }, 'mlflow');
    expect(rendered.status).toBe(405);
    expect(rendered.headers.Allow).toBe('GET, HEAD');
  });

  it('asks clients to retry later when Keycloak is unavailable', () => {
    const rendered = renderRefusal({ kind: 'keycloak-unavailable', detail: 'status 502' }, 'mlflow');
    expect(rendered.status).toBe(503);
    expect(rendered.headers['Retry-After']).toMatch(/^\d+$/);
  });

  it('keeps details literal and bounded', () => {
    const body = JSON.parse(renderRefusal({ kind: 'bad-request', detail: `$& ${'x'.repeat(1000)}` }, 'mlflow').body);
    expect(body.message).toContain('$& xxx');
    expect(body.message.length).toBeLessThan(400);
  });
});

describe('nginx/mlflow-uma-gate.locations.conf', () => {
  const conf = readFileSync(join(projectRoot, 'nginx', 'mlflow-uma-gate.locations.conf'), 'utf8');
  const answeredByNginx: RefusalKind[] = ['mlflow-unreachable', 'mlflow-timeout'];

  it('returns every refusal status the gate renders', () => {
    const kinds = (Object.keys(REFUSALS) as RefusalKind[]).filter((kind) => !answeredByNginx.includes(kind));
    const statuses = [...new Set(kinds.map((kind) => REFUSALS[kind].status))];
    statuses.forEach((status) => expect(conf).toContain(`if ($mlflow_gate_status = ${status}) { return ${status} $mlflow_gate_body; }`));
  });

  it('sends back every header a refusal carries', () => {
    (Object.keys(REFUSALS) as RefusalKind[]).forEach((kind) => {
      Object.keys(renderRefusal({ kind, detail: 'GET, HEAD' }, 'mlflow').headers).forEach((name) => {
        if (name !== 'Content-Type' && name !== 'Cache-Control') expect(SIGNALLED_REFUSAL_HEADERS).toContain(name);
      });
    });
    SIGNALLED_REFUSAL_HEADERS.forEach((name) => {
      const variable = `$mlflow_gate_${name.toLowerCase().replace(/-/g, '_')}`;
      expect(conf).toContain(`auth_request_set ${variable} $sent_http_x_mlflow_gate_${name.toLowerCase().replace(/-/g, '_')};`);
      expect(conf).toContain(`add_header ${name} ${variable} always;`);
    });
  });

  it('answers for MLflow with the bodies the gate renders', () => {
    answeredByNginx.forEach((kind) => {
      const rendered = renderRefusal({ kind, detail: '' }, 'mlflow');
      expect(conf).toContain(`return ${rendered.status} '${rendered.body}';`);
    });
  });

  it('keeps refusal bodies ASCII, since they travel in a header', () => {
    const body = renderRefusal({ kind: 'bad-request', detail: 'caf\u00e9 \u2603 ' + 'x'.repeat(400) }, 'mlflow').body;
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(body).message).toContain('caf\u00e9 \u2603');
  });
});
