import { describe, expect, it } from 'vitest';
import { auditFields, newAuditRecord } from '../../src/core/audit';

describe('audit record', () => {
  it('keeps the path and drops the query, which may carry anything', () => {
    expect(newAuditRecord('GET', '/api/2.0/mlflow/runs/get?run_id=1&token=x')).toMatchObject({ method: 'GET', path: '/api/2.0/mlflow/runs/get' });
    expect(newAuditRecord('GET', `/${'a'.repeat(2000)}`).path.length).toBeLessThan(600);
  });

  it('renders members that nginx can place between its own fields: escaped, ASCII, one line', () => {
    const record = { ...newAuditRecord('POST', '/x"y\\z\n'), user: 'zoë", "decision":"allow' };
    const fields = auditFields(record);
    expect(fields).toMatch(/^[\x20-\x7e]+$/);
    const line = JSON.parse(`{"time":"t",${fields},"status":403}`);
    expect(line).toMatchObject({ user: 'zoë", "decision":"allow', path: '/x"y\\z\n', decision: 'refuse', status: 403 });
  });
});
