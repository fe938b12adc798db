/**
 * The role checks every gate passes: each demo role and the service account, on a route of every resource and
 * scope, through a gate in front of the recording upstream. Allowed requests reach it with 200; the others get
 * 403 and reach nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Permission, Scope } from '../../src/core/permissions';
import { RESOURCES, SCOPES } from '../../src/core/permissions';
import { bearer, throughGate } from './gate-client';
import { demoUsers } from './realm';
import type { Role } from './realm';
import { examplePath, routeGuardedBy } from './routes';
import { serviceToken, userToken } from './tokens';

export type Identity = Role | 'service';
const SCOPES_OF: Record<Identity, readonly Scope[]> = {
  admin: ['read', 'write', 'delete'],
  editor: ['read', 'write'],
  viewer: ['read'],
  none: [],
  service: ['read', 'write'],
};

/** A fresh access token for every identity, from Keycloak at `keycloak`. */
export async function identityTokens(keycloak: string): Promise<Record<Identity, string>> {
  const tokens = {} as Record<Identity, string>;
  await Promise.all(
    demoUsers.map(async (user) => {
      tokens[user.role] = await userToken(keycloak, user.username, user.password);
    }),
  );
  tokens.service = await serviceToken(keycloak);
  return tokens;
}

const probes = RESOURCES.flatMap((resource) =>
  SCOPES.map((scope) => ({ permission: `${resource}#${scope}` as Permission, scope, route: routeGuardedBy(`${resource}#${scope}`) })),
).filter((probe) => probe.route !== undefined);

/** The checks, as tests of the current file; `gate` and `tokens` are read when the tests run. */
export function describeRoleChecks(gate: () => string, tokens: Record<Identity, string>) {
  describe.each(Object.keys(SCOPES_OF) as Identity[])('as %s', (identity) => {
    it.each(probes.map((probe) => [probe.permission, probe.route!.method, probe.route!.rule, probe.scope] as const))(
      '%s (%s %s)',
      async (_permission, method, rule, scope) => {
        const response = await throughGate(method, examplePath(rule), bearer(tokens[identity]), gate());
        const allowed = SCOPES_OF[identity].includes(scope);
        expect({ status: response.status, reachedUpstream: response.reachedUpstream }).toEqual(
          allowed ? { status: 200, reachedUpstream: true } : { status: 403, reachedUpstream: false },
        );
        if (!allowed) expect(JSON.parse(response.body)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
      },
    );
  });
}
