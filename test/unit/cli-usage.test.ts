import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../cli/mlflow-uma-gate.mjs', import.meta.url));
// On a loaded machine starting Node can take longer than the 5 s a unit test gets by default.
const PROCESS_TEST_MS = 30_000;

/** Runs the command as a person would, with nothing but its arguments. */
function run(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: PROCESS_TEST_MS });
  return { status, stdout, stderr };
}

describe('mlflow-uma-gate usage', () => {
  it.each(['--help', 'help', '-h', 'login --help'])('"%s" prints the usage and exits 0', (line) => {
    const result = run(...line.split(' '));
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage:\n/);
    for (const command of ['login', 'whoami', 'logout']) expect(result.stdout).toContain(`mlflow-uma-gate ${command}`);
  }, PROCESS_TEST_MS);

  it.each([
    [[], 'usage:'],
    [['lgoin'], 'unknown command lgoin'],
    [['toString'], 'unknown command toString'],
    [['whoami', '--verbose'], 'unknown argument --verbose'],
    [['login'], '--url <gate URL> is required'],
  ])('%j exits 2 with the problem and the usage on stderr, nothing on stdout', (args, problem) => {
    const result = run(...args);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toContain(`mlflow-uma-gate: ${problem}`);
    expect(result.stderr).toContain('usage:\n  mlflow-uma-gate login');
  }, PROCESS_TEST_MS);
});
