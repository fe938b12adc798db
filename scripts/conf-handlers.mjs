// The handlers nginx/*.conf names (`js_content mlflow_uma_gate.<name>;`):
// the build and a unit test compare them with what the bundle exports, so the two lists cannot drift apart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_IMPORT_NAME = 'mlflow_uma_gate';

/** Handler names referenced by the conf files in `confDir`, sorted and without repeats. */
export function confHandlerNames(confDir) {
  const names = new Set();
  const reference = new RegExp(`\\bjs_content\\s+${BUNDLE_IMPORT_NAME}\\.(\\w+)\\s*;`, 'g');
  for (const file of readdirSync(confDir).filter((name) => name.endsWith('.conf') || name.endsWith('.template'))) {
    for (const match of readFileSync(join(confDir, file), 'utf8').matchAll(reference)) names.add(match[1]);
  }
  return [...names].sort();
}
