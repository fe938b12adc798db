/**
 * Reads the shipped realm file, so tests use the same users, clients and secrets a person importing it gets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../scripts/nginx.mjs';

export type Role = 'admin' | 'editor' | 'viewer' | 'none';

export interface DemoUser {
  username: string;
  password: string;
  role: Role;
}

interface RealmClient {
  clientId: string;
  secret?: string;
  publicClient?: boolean;
  serviceAccountsEnabled?: boolean;
  authorizationServicesEnabled?: boolean;
  authorizationSettings?: {
    resources: { name: string; scopes: { name: string }[] }[];
    scopes: { name: string }[];
  };
}

interface RealmFile {
  realm: string;
  clients: RealmClient[];
  users: { username: string; groups?: string[]; credentials?: { type: string; value: string }[] }[];
}

export const realmFile = join(projectRoot, 'keycloak', 'mlflow-realm.json');
export const realm: RealmFile = JSON.parse(readFileSync(realmFile, 'utf8'));

const ROLE_OF_GROUP: { [group: string]: Role } = { '/admins': 'admin', '/editors': 'editor', '/viewers': 'viewer' };

export const demoUsers: DemoUser[] = realm.users
  .filter((user) => !user.username.startsWith('service-account-'))
  .map((user) => {
    const roles = (user.groups ?? []).map((group) => ROLE_OF_GROUP[group.startsWith('/') ? group : `/${group}`]);
    const password = user.credentials?.find((credential) => credential.type === 'password')?.value ?? '';
    return { username: user.username, password, role: roles[0] ?? 'none' };
  });

function client(predicate: (c: RealmClient) => boolean, what: string): RealmClient {
  const found = realm.clients.find(predicate);
  if (!found) throw new Error(`realm file has no ${what} client`);
  return found;
}

export const publicClient = client((c) => c.publicClient === true && c.clientId.startsWith('mlflow'), 'public');
export const resourceServer = client((c) => c.authorizationServicesEnabled === true, 'resource-server');
export const serviceClient = client((c) => c.serviceAccountsEnabled === true && !c.authorizationServicesEnabled, 'service-account');
