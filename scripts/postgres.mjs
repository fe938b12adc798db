// PostgreSQL from Debian's packages, run as a plain process on 127.0.0.1 with its own data directory.
// Postgres refuses to run as root, so when we are root it runs as the `postgres` user the package creates.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { asAccount, freePort, reachableBy, startProcess, stopProcessGroup, waitUntil } from './processes.mjs';

export function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error('postgres: not installed (apt-get install postgresql)');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

const POSTGRES_ACCOUNT = { user: 'postgres', group: 'postgres' };

function asServiceUser(command, args) {
  return asAccount(POSTGRES_ACCOUNT, command, args);
}

function ownedByServiceUser(dir) {
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
}

/**
 * Starts Postgres on `port` with `dataDir` (created with initdb on first use; trust authentication for
 * connections from 127.0.0.1 only, so this is for local development and tests) and makes sure `databases` exist.
 * @param {{ dataDir: string, port?: number, logFile: string, databases: string[] }} options
 */
export async function startPostgres({ dataDir: requestedDataDir, port, logFile, databases }) {
  const bin = postgresBinDir();
  const dataDir = reachableBy(POSTGRES_ACCOUNT, requestedDataDir);
  const listenPort = port ?? (await freePort());
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    ownedByServiceUser(dataDir);
    const [command, args] = asServiceUser(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    execFileSync(command, args, { stdio: 'pipe' });
  }
  const [command, args] = asServiceUser(join(bin, 'postgres'), [
    '-D', dataDir, '-h', '127.0.0.1', '-p', String(listenPort), '-k', dataDir, '-c', 'fsync=off',
  ]);
  const child = startProcess(command, args, { logFile });
  const psql = (sql) =>
    execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(listenPort), '-U', 'postgres', '-d', 'postgres', '-tAc', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  await waitUntil('postgres', async () => {
    psql('select 1');
    return true;
  }, { timeoutMs: 30_000, logFile, process: child });
  databases.forEach((name) => {
    if (psql(`select 1 from pg_database where datname = '${name}'`) !== '1') psql(`create database "${name}"`);
  });
  return {
    port: listenPort,
    pid: child.pid,
    dataDir,
    // SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; the venv has psycopg2.
    url: (database) => `postgresql+psycopg2://postgres@127.0.0.1:${listenPort}/${database}`,
    // SIGINT is Postgres' fast shutdown; SIGTERM would wait for clients to disconnect.
    stop: () => stopProcessGroup(child.pid, 20_000, 'SIGINT'),
  };
}
