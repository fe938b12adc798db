/** The development certificate of the README's compose quick start, made by its command followed literally. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { README } from '../../scripts/docs.mjs';

/** The quick start's lines that make it (`mkdir -p tls && openssl …` and its continuation). */
function developmentCertificateCommand(): string {
  const quickStart = readFileSync(README, 'utf8').split('## Quick start (a)')[1].split('\n## ')[0];
  const command = /^mkdir -p tls && openssl .*\\\n.*$/m.exec(quickStart);
  if (!command) throw new Error('README: no development certificate command in quick start (a)');
  return command[0];
}

/** Runs the command in `dir`; the certificate and key it wrote there, where .env.example expects them. */
export function makeDevelopmentCertificate(dir: string): { certificateFile: string; keyFile: string } {
  execFileSync('sh', ['-c', developmentCertificateCommand()], { cwd: dir, stdio: 'pipe' });
  return { certificateFile: join(dir, 'tls', 'gate.crt'), keyFile: join(dir, 'tls', 'gate.key') };
}
