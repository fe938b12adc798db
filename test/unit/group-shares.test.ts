import { describe, expect, it } from 'vitest';
import * as cli from '../../cli/mlflow-uma-gate.mjs';
import {
  createdPolicy,
  gatePolicyFor,
  GROUP_SHARES_LOCATION,
  groupPolicies,
  groupPolicyBody,
  groupPolicyName,
  groupSharesOf,
  isGroupPath,
  ownerTokenRequestBody,
  parseGroupShareChange,
} from '../../src/core/group-shares';
import { DELETED_AT_ATTRIBUTE, PROJECT_SCOPES, PROJECT_TYPE, projectRegistration, projectResourceName } from '../../src/core/projects';

describe('parseGroupShareChange', () => {
  it('takes a group path and the scopes it is to hold, in the order of PROJECT_SCOPES', () => {
    expect(parseGroupShareChange('{"group":"/team/members","scopes":["write","read"]}')).toEqual({ ok: true, group: '/team/members', scopes: ['read', 'write'] });
    expect(parseGroupShareChange('{"group":"/viewers","scopes":[]}')).toEqual({ ok: true, group: '/viewers', scopes: [] });
  });

  it.each([
    ['not json', 'a JSON object'],
    ['[]', 'a JSON object'],
    ['{"group":"/viewers","scopes":["read"],"owner":"me"}', 'only "group" and "scopes"'],
    ['{"group":"viewers","scopes":["read"]}', "a group's path"],
    ['{"group":"/team//members","scopes":["read"]}', "a group's path"],
    ['{"group":"/team/","scopes":["read"]}', "a group's path"],
    ['{"group":"/te\\nam","scopes":["read"]}', "a group's path"],
    [`{"group":"/${'g'.repeat(200)}","scopes":["read"]}`, "a group's path"],
    ['{"group":"/viewers","scopes":["project-read"]}', '"scopes" is a list of read, write, delete'],
    ['{"group":"/viewers","scopes":"read"}', '"scopes" is a list'],
    ['{"group":"/viewers"}', '"scopes" is a list'],
  ])('refuses %s as a bad request', (body, detail) => {
    const change = parseGroupShareChange(body);
    expect(change.ok).toBe(false);
    if (!change.ok) {
      expect(change.refusal.kind).toBe('bad-request');
      expect(change.refusal.detail).toContain(detail);
    }
  });

  it('keeps group paths short enough for the policy name Keycloak stores (255 characters)', () => {
    const longest = `/${'g'.repeat(199)}`;
    expect(isGroupPath(longest)).toBe(true);
    expect(groupPolicyName('8343945d-aebf-4af6-8ab4-f82ab498cb43', longest).length).toBeLessThanOrEqual(255);
  });
});

describe('the policies of a project', () => {
  const listing = JSON.stringify([
    // The owner's tickets appear as a policy of users.
    { id: 'p-owner', name: '9d553a08', type: 'uma', scopes: ['project-read', 'project-delete', 'project-write'], users: ['ada'] },
    { id: 'p-viewers', name: groupPolicyName('r1', '/viewers'), type: 'uma', scopes: ['project-write', 'project-read'], groups: ['/viewers'] },
    { id: 'p-other', name: 'made elsewhere', type: 'uma', scopes: ['project-read'], groups: ['/team', '/viewers'] },
  ]);

  it('are read as group shares, one per group, the scopes of every policy naming it together', () => {
    const policies = groupPolicies(listing)!;
    expect(policies.map((policy) => policy.id)).toEqual(['p-viewers', 'p-other']);
    expect(groupSharesOf(policies)).toEqual([
      { group: '/team', scopes: ['read'] },
      { group: '/viewers', scopes: ['read', 'write'] },
    ]);
    expect(gatePolicyFor(policies, 'r1', '/viewers')?.id).toBe('p-viewers');
    expect(gatePolicyFor(policies, 'r1', '/team')).toBeNull();
    expect(gatePolicyFor(policies, 'r2', '/viewers')).toBeNull();
  });

  it('are no listing when Keycloak answers something else', () => {
    expect(groupPolicies('{"error":"invalid_request"}')).toBeNull();
    expect(groupPolicies('[{"name":"no id"}]')).toBeNull();
    expect(groupPolicies('<html>')).toBeNull();
  });

  it("are written with Keycloak's scope names, and changed by id", () => {
    expect(JSON.parse(groupPolicyBody('r1', '/viewers', ['write', 'read'], null))).toMatchObject({
      name: groupPolicyName('r1', '/viewers'),
      scopes: ['project-read', 'project-write'],
      groups: ['/viewers'],
    });
    expect(JSON.parse(groupPolicyBody('r1', '/viewers', ['read'], 'p-viewers'))).toMatchObject({ id: 'p-viewers', scopes: ['project-read'] });
  });

  it('made for a group the realm lacks are told apart: Keycloak keeps them without the group', () => {
    expect(createdPolicy('{"id":"p1","groups":["/viewers"]}', '/viewers')).toEqual({ id: 'p1', namesGroup: true });
    expect(createdPolicy('{"id":"p2","scopes":["project-read"]}', '/nope')).toEqual({ id: 'p2', namesGroup: false });
    expect(createdPolicy('oops', '/nope')).toEqual({ id: null, namesGroup: false });
  });
});

describe("the owner's token for the policy API", () => {
  it("is a standard token exchange by the resource server, of the owner's access token", () => {
    const form = new URLSearchParams(ownerTokenRequestBody('mlflow-gate', 's3cr&t', 'eyJ.a+b.c'));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      client_id: 'mlflow-gate',
      client_secret: 's3cr&t',
      subject_token: 'eyJ.a+b.c',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
  });
});

describe('the command line', () => {
  it("names projects, scopes and the gate's group-share location as the projects core does", () => {
    expect(cli.PROJECT_SCOPES).toEqual(PROJECT_SCOPES);
    expect(cli.PROJECT_TYPE).toBe(PROJECT_TYPE);
    expect(cli.GROUP_SHARES_LOCATION).toBe(GROUP_SHARES_LOCATION);
    expect(cli.DELETED_AT_ATTRIBUTE).toBe(DELETED_AT_ATTRIBUTE);
    expect(cli.projectResourceName('team-a')).toBe(projectResourceName('team-a'));
    expect(cli.projectRegistration('team-a', 'ada')).toEqual(JSON.parse(projectRegistration('team-a', 'ada')));
  });
});
