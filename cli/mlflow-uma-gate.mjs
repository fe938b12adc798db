#!/usr/bin/env node
// mlflow-uma-gate login | whoami | logout: signs a person in at the gate's Keycloak with the device authorization
// grant (PKCE S256) and stores a revocable offline token where the mlflow client already looks for a user name
// and password, ~/.mlflow/credentials. The gate exchanges that token for short-lived access tokens itself, so
// every mlflow client call afterwards just works, for as long as the offline session lives.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = `usage:
  mlflow-uma-gate login --url <gate URL>   sign in; writes ~/.mlflow/credentials (mode 0600)
  mlflow-uma-gate whoami [--url <gate URL>] [--json]
                                            who the gate sees and what you may do
  mlflow-uma-gate logout                    revoke the login at Keycloak and remove it locally
  mlflow-uma-gate shares <project>          who your project is shared with, and which scopes
  mlflow-uma-gate share <project> <user|/group> <scopes>
                                            share your project with a user, or with the members
                                            of a group (its path: /team); scopes: read,write,delete
  mlflow-uma-gate unshare <project> <user|/group> [<scopes>]
                                            take scopes (all when none are named) back
  mlflow-uma-gate reconcile [--url <gate URL>]
                                            as an admin, with MLFLOW_UMA_GATE_RESOURCE_SERVER_SECRET set:
                                            register projects that have no Keycloak resource,
                                            report resources without a workspace
  mlflow-uma-gate help                      this text (also --help, -h)`;

const MLFLOW_SECTION = 'mlflow';
const GATE_SECTION = 'mlflow-uma-gate';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

class CliError extends Error {}

/** A command line the CLI does not understand: the usage goes with the message, and the exit code is 2. */
class UsageError extends CliError {
  constructor(problem) {
    super(problem ? `${problem}\n${USAGE}` : USAGE);
  }
}

const HELP_WORDS = new Set(['help', '--help', '-h']);

export function credentialsPath(home = homedir()) {
  return join(home, '.mlflow', 'credentials');
}

/** A minimal INI reader/writer that keeps sections it does not own untouched (configparser's format). */
export function parseIni(text) {
  const sections = [];
  let current = { name: '', lines: [] };
  sections.push(current);
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = { name: header[1].trim(), lines: [] };
      sections.push(current);
    } else if (line.trim() !== '' || current.lines.length > 0) {
      current.lines.push(line);
    }
  }
  return sections;
}

export function iniValue(sections, section, key) {
  for (const candidate of sections.filter((s) => s.name === section)) {
    for (const line of candidate.lines) {
      const entry = /^\s*([^=:#;]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (entry && entry[1] === key) return entry[2].trim();
    }
  }
  return undefined;
}

/** Sets (or, with `undefined`, removes) keys of one section; empty sections disappear. */
export function withIniValues(sections, section, values) {
  const result = sections.map((s) => ({ name: s.name, lines: [...s.lines] }));
  let target = result.find((s) => s.name === section);
  if (!target) {
    target = { name: section, lines: [] };
    result.push(target);
  }
  for (const [key, value] of Object.entries(values)) {
    const index = target.lines.findIndex((line) => /^\s*([^=:#;]+?)\s*[=:]/.exec(line)?.[1] === key);
    if (value === undefined) {
      if (index >= 0) target.lines.splice(index, 1);
    } else if (index >= 0) {
      target.lines[index] = `${key} = ${value}`;
    } else {
      target.lines.push(`${key} = ${value}`);
    }
  }
  return result.filter((s) => s.lines.some((line) => line.trim() !== ''));
}

export function renderIni(sections) {
  return sections
    .map((s) => {
      const body = s.lines.join('\n').replace(/\n+$/, '');
      return s.name === '' ? body : `[${s.name}]\n${body}`;
    })
    .join('\n\n')
    .concat('\n');
}

function readCredentials(path) {
  return existsSync(path) ? parseIni(readFileSync(path, 'utf8')) : [];
}

/** Written to a private temporary file and renamed, so the secret is never readable by others, even briefly. */
function writeCredentials(path, sections) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, renderIni(sections), { mode: 0o600 });
  renameSync(temporary, path);
}

async function getJson(url, init = {}) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(`cannot reach ${new URL(url).origin}: ${error.cause?.code ?? error.message}`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: 'not_json', error_description: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

function form(fields) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

function claimsOf(jwt) {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

function gateUrl(value) {
  if (!value) throw new UsageError('--url <gate URL> is required');
  return value.replace(/\/+$/, '');
}

/** What the gate says about where to sign in, and that realm's endpoints. */
async function realmOf(url) {
  const settings = await getJson(`${url}/_mlflow_gate/login`);
  if (settings.status !== 200 || typeof settings.body.issuer !== 'string') {
    throw new CliError(`${url} does not look like an mlflow-uma-gate (GET /_mlflow_gate/login answered ${settings.status})`);
  }
  const discovery = await getJson(`${settings.body.issuer}/.well-known/openid-configuration`);
  if (discovery.status !== 200) throw new CliError(`Keycloak at ${settings.body.issuer} answered ${discovery.status}`);
  return { issuer: settings.body.issuer, clientId: settings.body.client_id, resourceServer: settings.body.resource_server, endpoints: discovery.body };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function login(options, out) {
  const url = gateUrl(options.url);
  const realm = await realmOf(url);
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const device = await getJson(
    realm.endpoints.device_authorization_endpoint,
    form({ client_id: realm.clientId, scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256' }),
  );
  if (device.status !== 200) throw new CliError(`Keycloak refused the login: ${device.body.error_description ?? device.body.error}`);
  out(`To sign in, open this address in a browser:\n\n  ${device.body.verification_uri_complete}\n`);
  out(`and check that it shows the code ${device.body.user_code}. Waiting…`);
  let interval = (device.body.interval ?? 5) * 1000;
  const deadline = Date.now() + device.body.expires_in * 1000;
  let tokens;
  while (!tokens) {
    if (Date.now() > deadline) throw new CliError('the login code expired; run login again');
    await sleep(interval);
    const polled = await getJson(
      realm.endpoints.token_endpoint,
      form({ grant_type: DEVICE_GRANT, device_code: device.body.device_code, client_id: realm.clientId, code_verifier: verifier }),
    );
    if (polled.status === 200) tokens = polled.body;
    else if (polled.body.error === 'slow_down') interval += 5000;
    else if (polled.body.error !== 'authorization_pending') {
      throw new CliError(`login failed: ${polled.body.error_description ?? polled.body.error}`);
    }
  }
  const offline = claimsOf(tokens.refresh_token);
  if (offline.typ !== 'Offline') {
    out('warning: Keycloak did not grant offline access; this login ends with your Keycloak session.');
  }
  const username = claimsOf(tokens.access_token).preferred_username ?? 'mlflow-uma-gate';
  const path = credentialsPath();
  let sections = withIniValues(readCredentials(path), MLFLOW_SECTION, {
    mlflow_tracking_username: username,
    mlflow_tracking_password: tokens.refresh_token,
  });
  sections = withIniValues(sections, GATE_SECTION, { url, issuer: realm.issuer, client_id: realm.clientId });
  writeCredentials(path, sections);
  out(`Signed in as ${username}. Credentials written to ${path} (mode 0600).`);
  out(`Point the mlflow client at the gate:\n\n  export MLFLOW_TRACKING_URI=${url}\n`);
}

function storedLogin() {
  const path = credentialsPath();
  const sections = readCredentials(path);
  return {
    path,
    sections,
    username: process.env.MLFLOW_TRACKING_USERNAME ?? iniValue(sections, MLFLOW_SECTION, 'mlflow_tracking_username'),
    password: process.env.MLFLOW_TRACKING_PASSWORD ?? iniValue(sections, MLFLOW_SECTION, 'mlflow_tracking_password'),
    url: iniValue(sections, GATE_SECTION, 'url'),
    issuer: iniValue(sections, GATE_SECTION, 'issuer'),
    clientId: iniValue(sections, GATE_SECTION, 'client_id'),
  };
}

async function whoami(options, out) {
  const stored = storedLogin();
  const url = gateUrl(options.url ?? stored.url);
  if (!stored.username || !stored.password) throw new CliError(`not logged in (no user name and password in ${stored.path}); run login`);
  const basic = Buffer.from(`${stored.username}:${stored.password}`).toString('base64');
  const answer = await getJson(`${url}/_mlflow_gate/whoami`, { headers: { authorization: `Basic ${basic}` } });
  if (answer.status !== 200) throw new CliError(`the gate answered ${answer.status}: ${answer.body.message ?? answer.body.error}`);
  if (options.json) {
    out(JSON.stringify(answer.body));
    return;
  }
  out(`user: ${answer.body.user} (client ${answer.body.client})`);
  const resources = Object.keys(answer.body.permissions).sort();
  if (resources.length === 0) out('no permissions on MLflow');
  for (const resource of resources) out(`  ${resource}: ${answer.body.permissions[resource].join(', ')}`);
}

async function logout(_options, out) {
  const stored = storedLogin();
  const password = iniValue(stored.sections, MLFLOW_SECTION, 'mlflow_tracking_password');
  if (!password || !stored.issuer || !stored.clientId) throw new CliError(`no login of mlflow-uma-gate in ${stored.path}`);
  const discovery = await getJson(`${stored.issuer}/.well-known/openid-configuration`);
  const revoked = await getJson(
    discovery.body.revocation_endpoint,
    form({ token: password, token_type_hint: 'refresh_token', client_id: stored.clientId }),
  );
  if (revoked.status !== 200) throw new CliError(`Keycloak did not revoke the login (${revoked.status}); the file is left as it is`);
  let sections = withIniValues(stored.sections, MLFLOW_SECTION, { mlflow_tracking_username: undefined, mlflow_tracking_password: undefined });
  sections = withIniValues(sections, GATE_SECTION, { url: undefined, issuer: undefined, client_id: undefined });
  if (sections.length === 0) rmSync(stored.path);
  else writeCredentials(stored.path, sections);
  out(`Logged out: the login is revoked at Keycloak and removed from ${stored.path}.`);
}

function parseArguments(argv) {
  const [command, ...rest] = argv;
  const options = { positional: [] };
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--url') options.url = rest[++i];
    else if (rest[i] === '--json') options.json = true;
    else if (HELP_WORDS.has(rest[i])) options.help = true;
    else if (!rest[i].startsWith('-') && Object.hasOwn(POSITIONAL, command ?? '')) options.positional.push(rest[i]);
    else throw new UsageError(`unknown argument ${rest[i]}`);
  }
  const [least, most] = Object.hasOwn(POSITIONAL, command ?? '') ? POSITIONAL[command] : [0, 0];
  if (!options.help && (options.positional.length < least || options.positional.length > most)) throw new UsageError(`${command} takes ${least === most ? least : `${least} to ${most}`} arguments`);
  return { command, options };
}

/** An access token of the stored login (refresh grant): for Keycloak's account API, as the person themself. */
async function personalToken() {
  const stored = storedLogin();
  if (!stored.password || !stored.issuer || !stored.clientId) throw new CliError(`not logged in (no login of mlflow-uma-gate in ${stored.path}); run login`);
  const discovery = await getJson(`${stored.issuer}/.well-known/openid-configuration`);
  const refreshed = await getJson(discovery.body.token_endpoint, form({ grant_type: 'refresh_token', refresh_token: stored.password, client_id: stored.clientId }));
  if (refreshed.status !== 200) throw new CliError(`Keycloak refused the stored login (${refreshed.body.error_description ?? refreshed.body.error}); run login again`);
  return { token: refreshed.body.access_token, issuer: stored.issuer };
}

/** Keycloak's account API (user-managed access) with the person's own token. */
async function accountApi(session, method, path, body) {
  const answer = await getJson(`${session.issuer}/account${path}`, {
    method,
    headers: { authorization: `Bearer ${session.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer;
}

// What the CLI shares with the gate's projects core (src/core/projects.ts, src/core/group-shares.ts; a unit test
// compares them): the scopes as people name them and as Keycloak knows them, and how a project's resource looks.
export const PROJECT_SCOPES = { read: 'project-read', write: 'project-write', delete: 'project-delete' };
export const PROJECT_TYPE = 'urn:mlflow:project';
export const GROUP_SHARES_LOCATION = '/_mlflow_gate/group-shares';
export const DELETED_AT_ATTRIBUTE = 'mlflow_gate_deleted_at';
export const projectResourceName = (project) => `project:${project}`;

/** A project's resource, registered by an admin for a workspace made outside the gate (reconcile). */
export function projectRegistration(workspace, owner) {
  return { name: projectResourceName(workspace), type: PROJECT_TYPE, owner, ownerManagedAccess: true, resource_scopes: Object.values(PROJECT_SCOPES) };
}

function projectScopes(list) {
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !Object.hasOwn(PROJECT_SCOPES, name));
  if (names.length === 0 || unknown.length > 0) throw new UsageError(`scopes are a comma-separated list of ${Object.keys(PROJECT_SCOPES).join(', ')}`);
  return names.map((name) => PROJECT_SCOPES[name]);
}

const scopeName = (scope) => Object.keys(PROJECT_SCOPES).find((name) => PROJECT_SCOPES[name] === scope) ?? scope;
const scopeList = (scopes) => scopes.map(scopeName).sort().join(', ');
/** Groups are named by their path in the realm; anything else names a user. */
const isGroup = (holder) => holder.startsWith('/');

/** The person's own project of this name in the account API. */
async function ownProject(session, project) {
  const listed = await accountApi(session, 'GET', '/resources?max=1000');
  if (listed.status !== 200 || !Array.isArray(listed.body)) throw new CliError(`Keycloak's account API answered ${listed.status}`);
  const resource = listed.body.find((entry) => entry.name === projectResourceName(project));
  if (!resource) throw new CliError(`you own no project ${project} (only its owner shares it)`);
  return resource;
}

async function currentShares(session, resource) {
  const answer = await accountApi(session, 'GET', `/resources/${resource._id}/permissions`);
  if (answer.status !== 200 || !Array.isArray(answer.body)) throw new CliError(`Keycloak's account API answered ${answer.status}`);
  return answer.body.map((share) => ({ username: share.username, scopes: (share.scopes ?? []).map((scope) => (typeof scope === 'string' ? scope : scope.name)) }));
}

/**
 * The gate's group shares of a project, with the stored login (Keycloak's account API shares with users only;
 * the gate shares with groups through Keycloak's policy API, as the owner). Scopes here are the people's names.
 */
async function groupShares(options, project, change) {
  const stored = storedLogin();
  const url = gateUrl(options.url ?? stored.url);
  if (!stored.username || !stored.password) throw new CliError(`not logged in (no user name and password in ${stored.path}); run login`);
  const basic = Buffer.from(`${stored.username}:${stored.password}`).toString('base64');
  const answer = await getJson(`${url}${GROUP_SHARES_LOCATION}/${encodeURIComponent(project)}`, {
    method: change === undefined ? 'GET' : 'PUT',
    headers: { authorization: `Basic ${basic}`, ...(change === undefined ? {} : { 'content-type': 'application/json' }) },
    body: change === undefined ? undefined : JSON.stringify(change),
  });
  if (answer.status !== 200 || !Array.isArray(answer.body.group_shares)) throw new CliError(`the gate answered ${answer.status}: ${answer.body.message ?? answer.body.error ?? ''}`);
  return answer.body.group_shares;
}

async function shares(options, out) {
  const [project] = options.positional;
  const session = await personalToken();
  const resource = await ownProject(session, project);
  const users = await currentShares(session, resource);
  const groups = await groupShares(options, project);
  if (options.json) return out(JSON.stringify({ users, groups: groups.map((share) => ({ group: share.group, scopes: share.scopes.map((scope) => PROJECT_SCOPES[scope]) })) }));
  if (users.length === 0 && groups.length === 0) out(`${project} is shared with nobody`);
  for (const share of users) out(`${share.username}: ${scopeList(share.scopes)}`);
  for (const share of groups) out(`group ${share.group}: ${share.scopes.join(', ')}`);
}

async function setShare(session, resource, username, scopes) {
  const answer = await accountApi(session, 'PUT', `/resources/${resource._id}/permissions`, [{ username, scopes }]);
  if (answer.status !== 204) throw new CliError(`Keycloak refused the change (${answer.status}: ${answer.body.error_description ?? answer.body.errorMessage ?? answer.body.error ?? ''})`);
}

/** The scopes `holder` holds on the project now, by Keycloak's names, and a way to set them. */
async function shareOf(options, project, holder) {
  if (isGroup(holder)) {
    const held = (await groupShares(options, project)).find((entry) => entry.group === holder)?.scopes.map((scope) => PROJECT_SCOPES[scope]) ?? [];
    return { held, set: (scopes) => groupShares(options, project, { group: holder, scopes: scopes.map(scopeName) }), label: `group ${holder}` };
  }
  const session = await personalToken();
  const resource = await ownProject(session, project);
  const held = (await currentShares(session, resource)).find((entry) => entry.username === holder)?.scopes ?? [];
  return { held, set: (scopes) => setShare(session, resource, holder, scopes), label: holder };
}

async function share(options, out) {
  const [project, holder, list] = options.positional;
  const wanted = projectScopes(list);
  const current = await shareOf(options, project, holder);
  const scopes = [...new Set([...current.held, ...wanted])];
  await current.set(scopes);
  out(`${project} is shared with ${current.label}: ${scopeList(scopes)} (in effect within the gate's deny lifetime)`);
}

async function unshare(options, out) {
  const [project, holder, list] = options.positional;
  const current = await shareOf(options, project, holder);
  const taken = list === undefined ? current.held : projectScopes(list);
  const scopes = current.held.filter((scope) => !taken.includes(scope));
  await current.set(scopes);
  out(scopes.length === 0 ? `${project} is no longer shared with ${current.label}` : `${project} is shared with ${current.label}: ${scopeList(scopes)}`);
  out("(in effect within the gate's allow lifetime)");
}

/**
 * Projects that exist in MLflow without a Keycloak resource get one, owned by the admin who runs this (with the
 * owner's tickets); resources whose workspace is gone are reported. Running it again changes nothing.
 */
async function reconcile(options, out) {
  const stored = storedLogin();
  const url = gateUrl(options.url ?? stored.url);
  const secret = process.env.MLFLOW_UMA_GATE_RESOURCE_SERVER_SECRET;
  if (!secret) throw new CliError('set MLFLOW_UMA_GATE_RESOURCE_SERVER_SECRET to the resource server\'s client secret');
  if (!stored.username || !stored.password) throw new CliError(`not logged in (no user name and password in ${stored.path}); run login`);
  const basic = Buffer.from(`${stored.username}:${stored.password}`).toString('base64');
  const me = await getJson(`${url}/_mlflow_gate/whoami`, { headers: { authorization: `Basic ${basic}` } });
  if (me.status !== 200) throw new CliError(`the gate answered ${me.status}: ${me.body.message ?? me.body.error}`);
  const listed = await getJson(`${url}/api/3.0/mlflow/workspaces`, { headers: { authorization: `Basic ${basic}` } });
  if (listed.status !== 200 || !Array.isArray(listed.body.workspaces)) throw new CliError(`listing workspaces answered ${listed.status}: ${listed.body.message ?? ''}`);
  const realm = await realmOf(url);
  const pat = await getJson(realm.endpoints.token_endpoint, form({ grant_type: 'client_credentials', client_id: realm.resourceServer, client_secret: secret }));
  if (pat.status !== 200) throw new CliError(`Keycloak refused the resource server's secret (${pat.body.error_description ?? pat.body.error})`);
  const protection = (method, path, body) =>
    getJson(`${realm.issuer}/authz/protection${path}`, {
      method,
      headers: { authorization: `Bearer ${pat.body.access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const resources = await protection('GET', `/resource_set?type=${encodeURIComponent(PROJECT_TYPE)}&deep=true&first=0&max=10000`);
  if (resources.status !== 200) throw new CliError(`the protection API answered ${resources.status}`);
  const prefix = projectResourceName('');
  const projects = resources.body.filter((resource) => resource.name.startsWith(prefix));
  const live = new Set(projects.filter((resource) => !resource.attributes?.[DELETED_AT_ATTRIBUTE]).map((resource) => resource.name.slice(prefix.length)));
  const workspaces = listed.body.workspaces.map((workspace) => workspace.name).filter((name) => name !== 'default');
  let changed = 0;
  for (const workspace of workspaces.filter((name) => !live.has(name))) {
    const registered = await protection('POST', '/resource_set', projectRegistration(workspace, me.body.user));
    if (registered.status !== 201) throw new CliError(`registering ${workspace} answered ${registered.status}`);
    for (const scopeName of Object.values(PROJECT_SCOPES)) {
      const ticket = await protection('POST', '/permission/ticket', { resource: registered.body._id, requesterName: me.body.user, granted: true, scopeName });
      if (ticket.status !== 200) throw new CliError(`granting ${scopeName} on ${workspace} answered ${ticket.status}`);
    }
    out(`registered ${workspace}, owned by ${me.body.user}`);
    changed++;
  }
  for (const name of [...live].filter((workspace) => !workspaces.includes(workspace))) out(`resource project:${name} has no workspace (remove it in the Admin Console, or create the workspace again)`);
  if (changed === 0) out('every workspace has its project resource');
}

const COMMANDS = { login, whoami, logout, shares, share, unshare, reconcile };
// How many positional arguments a command takes: [at least, at most].
const POSITIONAL = { shares: [1, 1], share: [3, 3], unshare: [2, 3] };

async function main(argv) {
  const out = (line) => console.log(line);
  if (HELP_WORDS.has(argv[0])) return out(USAGE);
  const { command, options } = parseArguments(argv);
  if (command === undefined) throw new UsageError();
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${command}`);
  if (options.help) return out(USAGE);
  await COMMANDS[command](options, out);
}

// Run as a command (also through npx's symlink), not when a test imports the INI helpers.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`mlflow-uma-gate: ${error instanceof CliError ? error.message : error.stack}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
