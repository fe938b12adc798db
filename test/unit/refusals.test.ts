import { describe, expect, it } from 'vitest';
import { REFUSALS, renderRefusal } from '../../src/core/refusals';
import type { RefusalKind } from '../../src/core/refusals';

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
