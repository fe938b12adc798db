// Installing what the tests need from Debian's packages, when it is missing (as root; others get the command).
import { execFileSync, spawnSync } from 'node:child_process';

// Other processes may run apt at the same time; wait for their lock instead of failing.
const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

/** Whether `command args` runs and exits 0. */
export function commandWorks(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'ignore', env });
  return !result.error && result.status === 0;
}

/** Installs `packages` with apt-get (after `apt-get update` when `update`), saying so. */
export function aptInstall(packages, { update = false, why = '' } = {}) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`deps: installing ${packages.join(' ')} from Debian's packages${why}`);
  if (update) execFileSync('apt-get', [...APT_LOCK_WAIT, 'update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', [...APT_LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}
