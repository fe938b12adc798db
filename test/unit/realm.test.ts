/**
 * The shipped realm and the route table must agree: every resource#scope a route can need exists in the
 * realm's resource server (otherwise Keycloak answers 400 and the route is unusable), and the realm defines
 * nothing the table never asks for.
 */
import { describe, expect, it } from 'vitest';
import { PROJECT_CREATION, REFUSED, SCOPES } from '../../src/core/permissions';
import { PROJECT_SCOPES, PROJECT_TYPE, PROJECTS_TEMPLATE } from '../../src/core/projects';
import { ROUTE_TABLE } from '../../src/core/route-table';
import { demoUsers, publicClient, realm, resourceServer, serviceClient } from '../support/realm';

const settings = resourceServer.authorizationSettings!;

describe('keycloak/mlflow-realm.json', () => {
  const guards = ROUTE_TABLE.filter((spec) => spec.guard !== REFUSED).map((spec) => spec.guard);
  const projectScopes = Object.values(PROJECT_SCOPES).sort();


  it('defines the resources the route table uses, each role resource with every scope of the route table', () => {
    const used = [...new Set(guards.map((guard) => guard.split('#')[0]))].sort();
    expect(settings.resources.map((resource) => resource.name).filter((name) => name !== PROJECTS_TEMPLATE).sort()).toEqual(used);
    settings.resources
      .filter((resource) => resource.name !== PROJECTS_TEMPLATE && `${resource.name}#create` !== PROJECT_CREATION)
      .forEach((resource) => expect([resource.name, resource.scopes.map((scope) => scope.name).sort()]).toEqual([resource.name, [...SCOPES].sort()]));
  });

  it("defines the projects' template: every project's type, with the projects' own scopes, which no role resource carries", () => {
    const used = [...new Set(guards.map((guard) => guard.split('#')[1]))];
    expect(settings.scopes.map((scope) => scope.name).sort()).toEqual([...used, ...projectScopes].sort());
    const template = settings.resources.find((resource) => resource.name === PROJECTS_TEMPLATE)!;
    expect(template).toMatchObject({ type: PROJECT_TYPE, ownerManagedAccess: false });
    expect(template.scopes.map((scope) => scope.name).sort()).toEqual(projectScopes);
    expect(settings.resources.filter((resource) => resource.type === PROJECT_TYPE).map((resource) => resource.name)).toEqual([PROJECTS_TEMPLATE]);
  });

  it('lets owners manage their projects in the Account Console, and the gate register them', () => {
    expect(realm.userManagedAccessAllowed).toBe(true);
    expect(settings.allowRemoteResourceManagement).toBe(true);
  });

  it("lets the gate act for an owner in Keycloak's policy API (group shares): the login client's tokens are for the resource server too", () => {
    expect(resourceServer.attributes?.['standard.token.exchange.enabled']).toBe('true');
    const audiences = (publicClient.protocolMappers ?? [])
      .filter((mapper) => mapper.protocolMapper === 'oidc-audience-mapper' && mapper.config['access.token.claim'] === 'true')
      .map((mapper) => mapper.config['included.client.audience']);
    expect(audiences).toContain(resourceServer.clientId);
  });

  it('ships the clients and a demo user for every role', () => {
    expect([publicClient.clientId, resourceServer.clientId, serviceClient.clientId]).toEqual(['mlflow-cli', 'mlflow-gate', 'mlflow-automation']);
    expect(demoUsers.map((user) => user.role).sort()).toEqual(['admin', 'editor', 'none', 'viewer']);
    demoUsers.forEach((user) => expect(user.password).not.toBe(''));
  });
});
