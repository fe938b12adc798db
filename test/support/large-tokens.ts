/**
 * People and service accounts whose access tokens are large, the way directory groups make them: many realm
 * roles with long names, all of which Keycloak writes into `realm_access.roles`. Made through the admin API in
 * one partial import and removed again by the test that made them.
 */
import { adminApi } from './tokens';
import { realm } from './realm';

// Keycloak keeps role names up to 255 characters; directory group names of this length are common.
const ROLE_NAME_LENGTH = 200;

export interface LargeTokenPerson {
  username: string;
  password: string;
  /** How many of the long roles the person holds. */
  roles: number;
  /** The group that grants the MLflow permissions (`/editors`, `/viewers`). */
  group: string;
}

export interface LargeTokenService {
  clientId: string;
  secret: string;
  roles: number;
  group: string;
}

export interface LargeTokenFixture {
  remove(): Promise<void>;
}

function roleNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    `${prefix}.${String(i).padStart(3, '0')}.ou-data-science.ou-research-and-development.dc-example.dc-com.`.padEnd(ROLE_NAME_LENGTH, 'g'),
  );
}

/** Creates the roles, people and service accounts; `remove` deletes every one of them. */
export async function createLargeTokenPrincipals(
  keycloak: string,
  prefix: string,
  people: readonly LargeTokenPerson[],
  services: readonly LargeTokenService[],
): Promise<LargeTokenFixture> {
  const mostRoles = Math.max(0, ...people.map((person) => person.roles), ...services.map((service) => service.roles));
  const roles = roleNames(prefix, mostRoles);
  await adminApi(keycloak, 'POST', '/partialImport', {
    ifResourceExists: 'FAIL',
    roles: { realm: roles.map((name) => ({ name })) },
    clients: services.map((service) => ({
      clientId: service.clientId,
      enabled: true,
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      secret: service.secret,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: true,
    })),
    users: [
      ...people.map((person) => ({
        username: person.username,
        enabled: true,
        email: `${person.username}@example.com`,
        emailVerified: true,
        firstName: 'Large',
        lastName: 'Token',
        credentials: [{ type: 'password', value: person.password, temporary: false }],
        realmRoles: [`default-roles-${realm.realm}`, ...roles.slice(0, person.roles)],
        groups: [person.group],
      })),
      ...services.map((service) => ({
        username: `service-account-${service.clientId}`,
        enabled: true,
        serviceAccountClientId: service.clientId,
        realmRoles: roles.slice(0, service.roles),
        groups: [service.group],
      })),
    ],
  });
  return {
    async remove() {
      for (const person of people) {
        const found = (await adminApi(keycloak, 'GET', `/users?exact=true&username=${encodeURIComponent(person.username)}`)).json as { id: string }[];
        for (const user of found) await adminApi(keycloak, 'DELETE', `/users/${user.id}`);
      }
      // Deleting a client deletes its service-account user.
      for (const service of services) {
        const found = (await adminApi(keycloak, 'GET', `/clients?clientId=${encodeURIComponent(service.clientId)}`)).json as { id: string }[];
        for (const client of found) await adminApi(keycloak, 'DELETE', `/clients/${client.id}`);
      }
      for (const name of roles) await adminApi(keycloak, 'DELETE', `/roles/${encodeURIComponent(name)}`);
    },
  };
}
