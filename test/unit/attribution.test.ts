import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_LOCATION, ATTRIBUTED_RULES, attributeBody, attributedTarget, attributionOf, proxyRoute } from '../../src/core/attribution';
import { ROUTE_TABLE } from '../../src/core/route-table';

const tags = (body: string) => (JSON.parse(body) as { tags: { key: string; value: string }[] }).tags;

describe('attribution', () => {
  it('covers routes of the route table, under /api and /ajax-api', () => {
    for (const key of Object.keys(ATTRIBUTED_RULES)) {
      const [method, rule] = key.split(' ');
      for (const prefix of ['/api', '/ajax-api']) {
        expect(ROUTE_TABLE.some((route) => route.method === method && route.rule === `${prefix}${rule}`), `${method} ${prefix}${rule}`).toBe(true);
        expect(attributionOf(method, `${prefix}${rule}`)).toBe(ATTRIBUTED_RULES[key]);
      }
    }
    expect(attributionOf('POST', '/api/2.0/mlflow/runs/get')).toBeNull();
    expect(attributionOf('DELETE', '/api/3.0/mlflow/traces/<trace_id>/tags')).toBeNull();
  });

  it("refuses setting a trace's artifact location, which MLflow alone sets", () => {
    const tag = (key: string) => JSON.stringify({ key, value: 'mlflow-artifacts:/workspaces/team-b/3/r/artifacts' });
    expect(attributeBody('PATCH', '/api/3.0/mlflow/traces/tr-1/tags', tag('mlflow.artifactLocation'), 'ada')).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    expect(attributeBody('PATCH', '/ajax-api/2.0/mlflow/traces/tr-1/tags', tag('mlflow.artifactLocation'), 'ada')).toMatchObject({ ok: false });
    expect(attributeBody('PATCH', '/api/3.0/mlflow/traces/tr-1/tags', tag('note'), 'ada')).toEqual({ ok: true, body: tag('note') });
    const end = (key: string) => JSON.stringify({ status: 'OK', tags: [{ key: 'a', value: '1' }, { key, value: '/srv' }] });
    expect(attributeBody('PATCH', '/api/2.0/mlflow/traces/tr-1', end('mlflow.artifactLocation'), 'ada')).toMatchObject({ ok: false });
    expect(attributeBody('PATCH', '/api/2.0/mlflow/traces/tr-1', end('b'), 'ada')).toEqual({ ok: true, body: end('b') });
    const duplicated = '{"key":"note","key":"mlflow.artifactLocation","value":"/srv"}';
    expect(attributeBody('PATCH', '/api/3.0/mlflow/traces/tr-1/tags', duplicated, 'ada')).toMatchObject({ ok: false });
  });

  it("lets a model version's source be only what MLflow resolves within the workspace", () => {
    const version = (source: unknown) => JSON.stringify({ name: 'm', source });
    for (const source of ['runs:/abc/model', 'models:/m-1', 'mlflow-artifacts:/workspaces/team-a/1/r/artifacts/model', 'dummy-source', 'prompt-template']) {
      expect([source, attributeBody('POST', '/api/2.0/mlflow/model-versions/create', version(source), 'ada').ok]).toEqual([source, true]);
    }
    for (const source of ['s3://mlflow-artifacts/workspaces/team-b/3/r/artifacts/model', 'file:///srv', '/srv/model', 'mlflow-artifacts://host/x', 'gs://b/x', 'https://x/y', 7]) {
      expect([source, attributeBody('POST', '/api/2.0/mlflow/model-versions/create', version(source), 'ada').ok]).toEqual([source, false]);
    }
  });

  it('sets the verified user on a new run, whatever the client claimed', () => {
    const body = JSON.stringify({ experiment_id: '1', user_id: 'root', tags: [{ key: 'mlflow.user', value: 'root' }, { key: 'a', value: 'b' }] });
    const attributed = attributeBody('POST', '/api/2.0/mlflow/runs/create', body, 'ada');
    expect(attributed.ok).toBe(true);
    const sent = JSON.parse(attributed.ok ? attributed.body : '{}');
    expect(sent.user_id).toBe('ada');
    expect(sent.tags).toEqual([{ key: 'a', value: 'b' }, { key: 'mlflow.user', value: 'ada' }]);
  });

  it('tags new experiments, registered models and model versions with the verified user', () => {
    for (const rule of ['/api/2.0/mlflow/experiments/create', '/ajax-api/2.0/mlflow/registered-models/create', '/api/2.0/mlflow/model-versions/create']) {
      const attributed = attributeBody('POST', rule, rule.includes('model-versions') ? '{"name":"x","source":"runs:/r/model"}' : '{"name":"x"}', 'ada');
      expect(attributed.ok && tags(attributed.body)).toEqual([{ key: 'mlflow.user', value: 'ada' }]);
    }
  });

  it('refuses a later tag write that names another user, and passes the rest unchanged', () => {
    const other = attributeBody('POST', '/api/2.0/mlflow/runs/set-tag', '{"run_id":"r","key":"mlflow.user","value":"mallory"}', 'ada');
    expect(other).toMatchObject({ ok: false, refusal: { kind: 'other-user' } });
    const own = '{"run_id":"r","key":"mlflow.user","value":"ada"}';
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/set-tag', own, 'ada')).toEqual({ ok: true, body: own });
    const batch = (value: string) => JSON.stringify({ run_id: 'r', metrics: [], tags: [{ key: 'mlflow.user', value }] });
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/log-batch', batch('mallory'), 'ada')).toMatchObject({ ok: false });
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/log-batch', batch('ada'), 'ada')).toEqual({ ok: true, body: batch('ada') });
  });

  it('refuses bodies it cannot read', () => {
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/create', 'not json', 'ada')).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/create', '[1]', 'ada')).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    expect(attributeBody('POST', '/api/2.0/mlflow/runs/create', '{"tags":"x"}', 'ada')).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
  });

  it('sends allowed POSTs of attributed rules through the helper server, everything else to MLflow', () => {
    expect(proxyRoute('POST', '/api/2.0/mlflow/runs/create', '/api/2.0/mlflow/runs/create?x=1', null)).toEqual({
      upstream: 'helper',
      target: `${ATTRIBUTE_LOCATION}/api/2.0/mlflow/runs/create?x=1`,
    });
    expect(proxyRoute('GET', '/api/2.0/mlflow/runs/create', '/api/2.0/mlflow/runs/create', null)).toEqual({ upstream: 'mlflow', target: '/api/2.0/mlflow/runs/create' });
    expect(proxyRoute('POST', '/api/2.0/mlflow/runs/update', '/api/2.0/mlflow/runs/update', null)).toEqual({ upstream: 'mlflow', target: '/api/2.0/mlflow/runs/update' });
  });

  it('reads back the target MLflow is to receive at the helper server', () => {
    expect(attributedTarget(`${ATTRIBUTE_LOCATION}/api/2.0/mlflow/runs/create?a=1&b=2`)).toEqual({ path: '/api/2.0/mlflow/runs/create', query: 'a=1&b=2' });
    expect(attributedTarget(`${ATTRIBUTE_LOCATION}/ajax-api/2.0/mlflow/runs/set-tag`)).toEqual({ path: '/ajax-api/2.0/mlflow/runs/set-tag', query: '' });
    expect(attributedTarget('/api/2.0/mlflow/runs/create')).toBeNull();
    expect(attributedTarget(`${ATTRIBUTE_LOCATION}x/api`)).toBeNull();
  });
});
