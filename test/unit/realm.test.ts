/**
 * The shipped realm and the route table must agree: every resource#scope a route can need exists in the
 * realm's resource server (otherwise Keycloak answers 400 and the route is unusable), and the realm defines
 * nothing the table never asks for.
 */
import { describe, expect, it } from 'vitest';
import { REFUSED } from '../../src/core/permissions';
import { ROUTE_TABLE } from '../../src/core/route-table';
import { demoUsers, publicClient, resourceServer, serviceClient } from '../support/realm';

const settings = resourceServer.authorizationSettings!;

describe('keycloak/mlflow-realm.json', () => {
  it('defines exactly the resources the route table uses, each with every scope', () => {
    const used = [...new Set(ROUTE_TABLE.filter((spec) => spec.guard !== REFUSED).map((spec) => spec.guard.split('#')[0]))].sort();
    expect(settings.resources.map((resource) => resource.name).sort()).toEqual(used);
    const scopes = settings.scopes.map((scope) => scope.name).sort();
    settings.resources.forEach((resource) => expect(resource.scopes.map((scope) => scope.name).sort()).toEqual(scopes));
  });

  it('defines exactly the scopes the route table uses', () => {
    const used = [...new Set(ROUTE_TABLE.filter((spec) => spec.guard !== REFUSED).map((spec) => spec.guard.split('#')[1]))].sort();
    expect(settings.scopes.map((scope) => scope.name).sort()).toEqual(used);
  });

  it('ships the clients and a demo user for every role', () => {
    expect([publicClient.clientId, resourceServer.clientId, serviceClient.clientId]).toEqual(['mlflow-cli', 'mlflow-gate', 'mlflow-automation']);
    expect(demoUsers.map((user) => user.role).sort()).toEqual(['admin', 'editor', 'none', 'viewer']);
    demoUsers.forEach((user) => expect(user.password).not.toBe(''));
  });
});
