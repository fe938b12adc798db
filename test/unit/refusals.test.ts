import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusalTable, renderRefusal, SIGNALLED_REFUSAL_HEADERS } from '../../src/core/refusals';
import type { Refusal, RefusalKind } from '../../src/core/refusals';
import { projectRoot } from '../../scripts/nginx.mjs';

const REFUSALS = refusalTable();

describe('renderRefusal', () => {
  it('renders every refusal as an MLflow error body', () => {
    (Object.keys(REFUSALS) as RefusalKind[]).forEach((kind) => {
      const rendered = renderRefusal({ kind, detail: 'runs#write' }, 'mlflow', 'req-1');
      const body = JSON.parse(rendered.body);
      expect(Object.keys(body).sort()).toEqual(['error_code', 'message', 'request_id']);
      expect(body.message).not.toContain('%s');
      // The mlflow client prints the message only: it must lead to the audit line too.
      expect(body.message).toMatch(/ \(request id req-1\)$/);
      expect(body.request_id).toBe('req-1');
      expect(rendered.headers['Content-Type']).toBe('application/json');
      expect(rendered.status).toBe(REFUSALS[kind].status);
    });
  });

  it('challenges with WWW-Authenticate on 401 only', () => {
    expect(renderRefusal({ kind: 'no-token', detail: '' }, 'mlflow', 'req-1').headers['WWW-Authenticate']).toBe('Bearer realm="mlflow"');
    expect(renderRefusal({ kind: 'invalid-token', detail: 'x' }, 'mlflow', 'req-1').headers['WWW-Authenticate']).toBe(
      'Bearer realm="mlflow", error="invalid_token"',
    );
    expect(renderRefusal({ kind: 'forbidden', detail: 'runs#write' }, 'mlflow', 'req-1').headers['WWW-Authenticate']).toBeUndefined();
  });

  it('lists the allowed methods on 405', () => {
    const rendered = renderRefusal({ kind: 'method-not-allowed', detail: 'GET, HEAD' }, 'mlflow', 'req-1');
    expect(rendered.status).toBe(405);
    expect(rendered.headers.Allow).toBe('GET, HEAD');
  });

  it('asks clients to retry later when Keycloak is unavailable', () => {
    const rendered = renderRefusal({ kind: 'keycloak-unavailable', detail: 'status 502' }, 'mlflow', 'req-1');
    expect(rendered.status).toBe(503);
    expect(rendered.headers['Retry-After']).toMatch(/^\d+$/);
  });

  it('keeps details literal and bounded', () => {
    const body = JSON.parse(renderRefusal({ kind: 'bad-request', detail: `$& ${'x'.repeat(1000)}` }, 'mlflow', 'req-1').body);
    expect(body.message).toContain('$& xxx');
    expect(body.message.length).toBeLessThan(400);
  });
});

describe('nginx/mlflow-uma-gate.locations.conf', () => {
  const conf = readFileSync(join(projectRoot, 'nginx', 'mlflow-uma-gate.locations.conf'), 'utf8');
  const answeredByNginx: RefusalKind[] = ['mlflow-unreachable', 'mlflow-timeout', 'headers-too-large'];
  // The metrics server's content handler answers these itself; auth_request never signals them.
  const answeredByMetricsServer: RefusalKind[] = ['metrics-unavailable', 'not-found'];

  it('returns every refusal status the gate renders', () => {
    const kinds = (Object.keys(REFUSALS) as RefusalKind[]).filter((kind) => !answeredByNginx.includes(kind) && !answeredByMetricsServer.includes(kind));
    const statuses = [...new Set(kinds.map((kind) => REFUSALS[kind].status))];
    statuses.forEach((status) => expect(conf).toContain(`if ($mlflow_gate_status = ${status}) { return ${status} $mlflow_gate_body; }`));
  });

  it('sends back every header a refusal carries', () => {
    (Object.keys(REFUSALS) as RefusalKind[]).forEach((kind) => {
      Object.keys(renderRefusal({ kind, detail: 'GET, HEAD' }, 'mlflow', 'req-1').headers).forEach((name) => {
        if (name !== 'Content-Type' && name !== 'Cache-Control') expect(SIGNALLED_REFUSAL_HEADERS).toContain(name);
      });
    });
    SIGNALLED_REFUSAL_HEADERS.forEach((name) => {
      const variable = `$mlflow_gate_${name.toLowerCase().replace(/-/g, '_')}`;
      expect(conf).toContain(`auth_request_set ${variable} $sent_http_x_mlflow_gate_${name.toLowerCase().replace(/-/g, '_')};`);
      expect(conf).toContain(`add_header ${name} ${variable} always;`);
    });
  });

  it('answers for MLflow, and for a gate that failed, with the bodies the gate renders (and nginx\'s request id)', () => {
    const refusals: Refusal[] = [
      ...answeredByNginx.map((kind) => ({ kind, detail: '' })),
      { kind: 'internal', detail: 'see the NGINX error log' },
    ];
    refusals.forEach((refusal) => {
      const rendered = renderRefusal(refusal, 'mlflow', '$request_id');
      expect(conf).toContain(`return ${rendered.status} '${rendered.body}';`);
    });
  });

  it('names the request id on every answer of the gate itself', () => {
    const locations = conf.split(/\n(?=location )/).filter((block) => /\breturn \d{3}\b/.test(block));
    expect(locations.length).toBeGreaterThan(2);
    locations.forEach((block) => expect(block).toContain('add_header X-Request-Id $request_id always;'));
  });

  it('keeps refusal bodies ASCII, since they travel in a header', () => {
    const body = renderRefusal({ kind: 'bad-request', detail: 'caf\u00e9 \u2603 ' + 'x'.repeat(400) }, 'mlflow', 'req-1').body;
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(body).message).toContain('caf\u00e9 \u2603');
  });
});
