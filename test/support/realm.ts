/** The shipped realm file (scripts/realm.mjs), with the types tests rely on. */
import * as realmFromScripts from '../../scripts/realm.mjs';

export type Role = 'admin' | 'editor' | 'viewer' | 'none';

export interface DemoUser {
  username: string;
  password: string;
  role: Role;
}

export interface RealmClient {
  clientId: string;
  secret?: string;
  attributes?: Record<string, string>;
  protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
  authorizationSettings?: {
    allowRemoteResourceManagement?: boolean;
    resources: { name: string; type?: string; ownerManagedAccess?: boolean; scopes: { name: string }[] }[];
    scopes: { name: string }[];
  };
}

export const realmFile: string = realmFromScripts.realmFile;
export const realm: { realm: string; userManagedAccessAllowed?: boolean } = realmFromScripts.realm;
export const demoUsers: DemoUser[] = realmFromScripts.demoUsers;
export const publicClient: RealmClient = realmFromScripts.publicClient;
export const resourceServer: RealmClient = realmFromScripts.resourceServer;
export const serviceClient: RealmClient = realmFromScripts.serviceClient;
