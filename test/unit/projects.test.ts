import { describe, expect, it } from 'vitest';
import type { ProjectLookup } from '../../src/core/projects';
import {
  checkCreation,
  DELETED_AT_ATTRIBUTE,
  filterWorkspaceList,
  grantedPairs,
  interpretProjectLookup,
  isUnscoped,
  markedResource,
  nameAvailability,
  ownerTickets,
  projectAnswer,
  projectOfRequest,
  projectRegistration,
  readableWorkspaces,
  requestWorkspace,
  tombstoneSeconds,
  workspaceOperation,
} from '../../src/core/projects';

const resource = (workspace: string, id = `id-${workspace}`, attributes: object = {}) => ({
  _id: id,
  name: `project:${workspace}`,
  type: 'urn:mlflow:project',
  owner: { id: 'u1', name: 'ada' },
  attributes,
});

describe('requestWorkspace', () => {
  const header = (...pairs: [string, string][]) => requestWorkspace([['Host', 'mlflow'], ...pairs]);

  it('is default without a header or with `default`, and names the project otherwise', () => {
    expect(header()).toEqual({ ok: true, project: null, forwarded: '' });
    expect(header(['X-MLFLOW-WORKSPACE', 'default'])).toEqual({ ok: true, project: null, forwarded: 'default' });
    expect(header(['x-mlflow-workspace', 'team-a'])).toEqual({ ok: true, project: 'team-a', forwarded: 'team-a' });
    expect(header(['X-MLFLOW-WORKSPACE', ''])).toEqual({ ok: true, project: null, forwarded: '' });
  });

  it.each([['Team-A'], ['team_a'], ['team a'], ['-team'], ['team-'], ['a'], ['a'.repeat(64)], ['team-a,team-b'], ['tëam'], ['team-a\n']])('refuses the value %j', (value) => {
    expect(header(['X-MLFLOW-WORKSPACE', value])).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
  });

  it('refuses two headers, and names spelled with underscores', () => {
    expect(header(['X-MLFLOW-WORKSPACE', 'team-a'], ['X-MLFLOW-WORKSPACE', 'team-a'])).toMatchObject({ ok: false });
    expect(header(['X_MLFLOW_WORKSPACE', 'team-a'])).toMatchObject({ ok: false, refusal: { detail: expect.stringContaining('X_MLFLOW_WORKSPACE') } });
    expect(header(['x-mlflow_workspace', 'team-a'])).toMatchObject({ ok: false });
  });
});

describe('projectOfRequest', () => {
  const inProject = requestWorkspace([['X-MLFLOW-WORKSPACE', 'team-a']]) as never;
  const inDefault = requestWorkspace([]) as never;

  it('asks the header project for the scope of the route permission', () => {
    expect(projectOfRequest('runs#write', null, inProject, '/api/2.0/mlflow/runs/create', false)).toEqual({ ok: true, ask: { project: 'team-a', scope: 'project-write' } });
    expect(projectOfRequest('runs#read', null, inDefault, '/api/2.0/mlflow/runs/get', false)).toEqual({ ok: true, ask: null });
  });

  it('asks a named workspace for the scope of the operation, and keeps the header from naming another', () => {
    const path = '/api/3.0/mlflow/workspaces/team-a';
    expect(projectOfRequest('server#read', 'delete', inDefault, path, false)).toEqual({ ok: true, ask: { project: 'team-a', scope: 'project-delete' } });
    expect(projectOfRequest('server#delete', 'update', inProject, path, false)).toEqual({ ok: true, ask: { project: 'team-a', scope: 'project-write' } });
    const other = requestWorkspace([['X-MLFLOW-WORKSPACE', 'team-b']]) as never;
    expect(projectOfRequest('server#read', 'read', other, path, false)).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    expect(projectOfRequest('server#read', 'delete', inDefault, '/api/3.0/mlflow/workspaces/default', false)).toMatchObject({ ok: false, refusal: { kind: 'forbidden' } });
    expect(projectOfRequest('server#read', 'read', inDefault, '/api/3.0/mlflow/workspaces/Team', false)).toMatchObject({ ok: false });
  });

  it('leaves server-info out of projects: the mlflow client asks it before its first call in a workspace', () => {
    expect(isUnscoped('GET', '/api/3.0/mlflow/server-info')).toBe(true);
    expect(isUnscoped('GET', '/api/2.0/mlflow/experiments/get')).toBe(false);
    expect(projectOfRequest('server#read', null, inProject, '/api/3.0/mlflow/server-info', true)).toEqual({ ok: true, ask: null });
  });

  it('leaves listing and creating to the gate', () => {
    expect(projectOfRequest('server#read', 'list', inProject, '/api/3.0/mlflow/workspaces', false)).toEqual({ ok: true, ask: null });
    expect(workspaceOperation('POST', '/ajax-api/3.0/mlflow/workspaces')).toBe('create');
    expect(workspaceOperation('GET', '/api/2.0/mlflow/runs/get')).toBeNull();
  });
});

describe('interpretProjectLookup', () => {
  it('finds the one project resource of the name, and nothing of other types or names', () => {
    const body = JSON.stringify([resource('team-a'), { ...resource('team-a', 'x'), type: 'other' }, resource('team-ab', 'y')]);
    expect(interpretProjectLookup('team-a', 200, body)).toEqual({ kind: 'found', resource: { id: 'id-team-a', workspace: 'team-a', owner: 'ada', deletedAt: null } });
    expect(interpretProjectLookup('team-a', 200, '[]')).toEqual({ kind: 'none' });
  });

  it('fails closed on two resources of one project and on anything but a listing', () => {
    expect(interpretProjectLookup('team-a', 200, JSON.stringify([resource('team-a', '1'), resource('team-a', '2')]))).toMatchObject({ kind: 'failed', refusal: { kind: 'internal' } });
    expect(interpretProjectLookup('team-a', 503, '')).toMatchObject({ kind: 'failed', refusal: { kind: 'keycloak-unavailable' } });
    expect(interpretProjectLookup('team-a', 200, '{}')).toMatchObject({ kind: 'failed' });
  });

  it('reads the deletion mark', () => {
    const body = JSON.stringify([resource('team-a', 'i', { [DELETED_AT_ATTRIBUTE]: ['1700000000'] })]);
    expect(interpretProjectLookup('team-a', 200, body)).toMatchObject({ kind: 'found', resource: { deletedAt: 1_700_000_000 } });
  });
});

describe('projectAnswer', () => {
  const found: ProjectLookup = { kind: 'found', resource: { id: 'rid', workspace: 'team-a', owner: 'ada', deletedAt: null } };
  const granted = (...pairs: [string, string, string][]) => JSON.stringify(pairs.map(([rsid, rsname, scope]) => ({ rsid, rsname, scopes: [scope] })));

  it('allows only when both the route permission and the project scope are granted', () => {
    const both = granted(['x', 'runs', 'write'], ['rid', 'project:team-a', 'project-write']);
    expect(projectAnswer(found, 'runs#write', 'project-write', 200, both)).toEqual({ status: 200, body: '{"result":true}' });
    expect(projectAnswer(found, 'runs#write', 'project-write', 200, granted(['rid', 'project:team-a', 'project-write']))).toMatchObject({ status: 403 });
    expect(projectAnswer(found, 'runs#write', 'project-write', 200, granted(['x', 'runs', 'write']))).toMatchObject({ status: 403 });
    expect(projectAnswer(found, 'runs#write', 'project-write', 200, granted(['x', 'runs', 'write'], ['other', 'project:team-a', 'project-write']))).toMatchObject({ status: 403 });
  });

  it('denies a missing or deleted project, passes token errors on, and fails closed on anything else', () => {
    expect(projectAnswer({ kind: 'none' }, 'runs#read', 'project-read', 200, '[]')).toMatchObject({ status: 403 });
    expect(projectAnswer({ kind: 'found', resource: { ...(found as { resource: object }).resource, deletedAt: 1 } } as ProjectLookup, 'runs#read', 'project-read', 200, '[]')).toMatchObject({ status: 403 });
    expect(projectAnswer(found, 'runs#read', 'project-read', 401, '{"error":"invalid_token"}')).toEqual({ status: 401, body: '{"error":"invalid_token"}' });
    expect(projectAnswer(found, 'runs#read', 'project-read', 500, 'oops')).toMatchObject({ status: 503 });
    expect(projectAnswer(found, 'runs#read', 'project-read', 200, '{"result":true}')).toMatchObject({ status: 503 });
  });

  it('reads granted pairs by id and by name', () => {
    expect(grantedPairs(granted(['rid', 'runs', 'read']))).toEqual(['rid#read', 'runs#read']);
    expect(grantedPairs('nope')).toBeNull();
  });
});

describe('creating and deleting', () => {
  it('takes a valid new name without an artifact root', () => {
    expect(checkCreation('{"name":"team-a","description":"x"}')).toEqual({ ok: true, workspace: 'team-a' });
    expect(checkCreation('{"name":"default"}')).toMatchObject({ ok: false });
    expect(checkCreation('{"name":"Team"}')).toMatchObject({ ok: false });
    expect(checkCreation('{"name":"team-a","default_artifact_root":"s3://other/workspaces/team-b"}')).toMatchObject({ ok: false });
    expect(checkCreation('[]')).toMatchObject({ ok: false });
    expect(checkCreation('{"name":"team-a","trace_archival_config":{"location":"file:///srv"}}')).toMatchObject({ ok: false });
  });

  it('registers the project owned by its creator, who holds a ticket for every project scope', () => {
    expect(JSON.parse(projectRegistration('team-a', 'ada'))).toEqual({
      name: 'project:team-a',
      type: 'urn:mlflow:project',
      owner: 'ada',
      ownerManagedAccess: true,
      resource_scopes: ['project-read', 'project-write', 'project-delete'],
    });
    expect(ownerTickets('rid', 'ada').map((ticket) => JSON.parse(ticket).scopeName)).toEqual(['project-read', 'project-write', 'project-delete']);
  });

  it("keeps a deleted name its former owner's, and taken for two allow lifetimes and a margin", () => {
    const now = 1_000;
    const deleted = (at: number): ProjectLookup => ({ kind: 'found', resource: { id: 'r', workspace: 'team-a', owner: 'ada', deletedAt: at } });
    expect(tombstoneSeconds(30)).toBe(65);
    expect(nameAvailability({ kind: 'none' }, 30, now, 'bob')).toEqual({ taken: false, tombstone: null });
    expect(nameAvailability(deleted(now - 64) as never, 30, now, 'ada')).toMatchObject({ taken: true, refusal: { kind: 'project-name-resting' } });
    expect(nameAvailability(deleted(now - 65) as never, 30, now, 'ada')).toMatchObject({ taken: false, tombstone: { id: 'r' } });
    expect(nameAvailability(deleted(now - 6500) as never, 30, now, 'bob')).toMatchObject({ taken: true, refusal: { kind: 'project-name-held' } });
    expect(nameAvailability({ kind: 'found', resource: { id: 'r', workspace: 'team-a', owner: 'ada', deletedAt: null } }, 30, now, 'ada')).toMatchObject({ taken: true, refusal: { kind: 'project-exists' } });
  });

  it('marks and unmarks a resource, keeping the rest of it', () => {
    const representation = JSON.stringify({ ...resource('team-a'), attributes: { other: ['1'] } });
    const marked = JSON.parse(markedResource(representation, 42)!);
    expect(marked.attributes).toEqual({ other: ['1'], [DELETED_AT_ATTRIBUTE]: ['42'] });
    expect(JSON.parse(markedResource(JSON.stringify(marked), null)!).attributes).toEqual({ other: ['1'] });
  });
});

describe('listing', () => {
  it('keeps default and the readable projects of MLflow\'s list', () => {
    const listed = JSON.stringify({ workspaces: [{ name: 'default' }, { name: 'team-a' }, { name: 'team-b' }], next_page_token: 't' });
    expect(JSON.parse(filterWorkspaceList(listed, ['team-b'])!)).toEqual({ workspaces: [{ name: 'default' }, { name: 'team-b' }], next_page_token: 't' });
    expect(filterWorkspaceList('{}', [])).toBeNull();
  });

  it('reads which projects the permissions answer lets the caller read', () => {
    const projects = [
      { id: 'a', workspace: 'team-a', owner: 'ada', deletedAt: null },
      { id: 'b', workspace: 'team-b', owner: 'bob', deletedAt: null },
    ];
    expect(readableWorkspaces(projects, 200, JSON.stringify([{ rsid: 'b', rsname: 'project:team-b', scopes: ['project-read'] }]))).toEqual(['team-b']);
    expect(readableWorkspaces(projects, 403, '')).toEqual([]);
    expect(readableWorkspaces(projects, 200, JSON.stringify([{ rsid: 't', rsname: 'all-projects', scopes: ['project-read'] }]))).toBe('all');
    expect(JSON.parse(filterWorkspaceList(JSON.stringify({ workspaces: [{ name: 'default' }, { name: 'orphan' }] }), 'all')!).workspaces).toHaveLength(2);
    expect(readableWorkspaces(projects, 500, '')).toBeNull();
  });
});
