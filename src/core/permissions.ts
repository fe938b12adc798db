/**
 * The vocabulary shared by the route table, the Keycloak realm and the decision:
 * every MLflow route is guarded by exactly one `resource#scope` permission.
 */

export const SCOPES = ['read', 'write', 'delete'] as const;
export type Scope = (typeof SCOPES)[number];

export const RESOURCES = [
  'experiments',
  'runs',
  'models',
  'logged-models',
  'artifacts',
  'traces',
  'datasets',
  'prompts',
  'scorers',
  'gateway',
  'jobs',
  'webhooks',
  // A registry with its own permission type in MLflow's auth, unlike any entity above.
  'mcp-servers',
  'ui',
  'server',
] as const;
export type Resource = (typeof RESOURCES)[number];

/**
 * Creating a project (an MLflow workspace, src/core/projects.ts) is a realm role of its own, asked as the scope
 * `create` of the resource `projects`, which no other route uses.
 */
export const PROJECT_CREATION = 'projects#create' as const;

export type Permission = `${Resource}#${Scope}` | typeof PROJECT_CREATION;

/** Marks a route that is refused for everyone, whatever the token (e.g. routes that trust a loopback client). */
export const REFUSED = 'refused' as const;
export type Guard = Permission | typeof REFUSED;
