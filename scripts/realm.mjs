// Reads keycloak/mlflow-realm.json, so the stack and the tests use the same users, clients and secrets that a
// person importing the realm gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './nginx.mjs';

export const realmFile = join(projectRoot, 'keycloak', 'mlflow-realm.json');
export const realm = JSON.parse(readFileSync(realmFile, 'utf8'));

const ROLE_OF_GROUP = { '/admins': 'admin', '/editors': 'editor', '/viewers': 'viewer' };

/** @type {{ username: string, password: string, role: 'admin' | 'editor' | 'viewer' | 'none' }[]} */
export const demoUsers = realm.users
  .filter((user) => !user.serviceAccountClientId)
  .map((user) => ({
    username: user.username,
    password: (user.credentials ?? []).find((credential) => credential.type === 'password')?.value ?? '',
    role: (user.groups ?? []).map((group) => ROLE_OF_GROUP[group]).find(Boolean) ?? 'none',
  }));

function client(predicate, what) {
  const found = realm.clients.find(predicate);
  if (!found) throw new Error(`realm file has no ${what} client`);
  return found;
}

export const publicClient = client((c) => c.publicClient === true, 'public');
export const resourceServer = client((c) => c.authorizationServicesEnabled === true, 'resource-server');
export const serviceClient = client((c) => c.serviceAccountsEnabled === true && !c.authorizationServicesEnabled, 'service-account');

// The realm role that creates projects (README, "Projects"), and the demo users who hold it.
const PROJECT_CREATOR_ROLE = 'mlflow-project-creator';
const creatorGroups = realm.groups.filter((group) => (group.realmRoles ?? []).includes(PROJECT_CREATOR_ROLE)).map((group) => group.path);
const projectCreators = demoUsers
  .filter((demo) => {
    const user = realm.users.find((candidate) => candidate.username === demo.username);
    return (user.realmRoles ?? []).includes(PROJECT_CREATOR_ROLE) || (user.groups ?? []).some((group) => creatorGroups.includes(group));
  })
  .map((demo) => demo.username);

/** What stack.json tells about the realm: its name, the clients to ask for tokens with, the demo users. */
export const realmAccess = {
  realm: realm.realm,
  clients: {
    public: publicClient.clientId,
    resourceServer: resourceServer.clientId,
    service: { id: serviceClient.clientId, secret: serviceClient.secret },
  },
  users: demoUsers,
  projects: { creatorRole: PROJECT_CREATOR_ROLE, creators: projectCreators },
};
