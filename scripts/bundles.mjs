// The njs bundles: one per entry module in src/njs/bundles/, written to dist/ under the entry's name. Each
// location of nginx/*.conf that runs njs imports the bundle it takes its handler from (`js_import <name> from
// <bundle>.js;` right before `js_content <name>.<handler>;` or `js_set $<variable> <name>.<handler>;`): njs 0.7.9
// evaluates the whole top level of every
// bundle a location imports on each request, and merges an import at http or server level into every location.
// The build and a unit test compare each bundle's exports with the handlers the conf takes from it.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** `{ file, entry }` of every bundle: its name in dist/ and its entry module, under `root`. */
export function njsBundles(root) {
  const entries = join(root, 'src', 'njs', 'bundles');
  return readdirSync(entries)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => ({ file: `${basename(name, '.ts')}.js`, entry: join(entries, name) }));
}

/** For each bundle file the conf files in `confDir` import, the handlers they take from it, sorted. */
export function confBundleHandlers(confDir) {
  const handlers = {};
  const bundleOf = {};
  const statement = /\bjs_(import|content|set)\b[^;]*;/g;
  const pair = /\bjs_import\s+(\w+)\s+from\s+([\w.-]+)\s*;\s*js_(?:content|set\s+\$\w+)\s+(\w+)\.(\w+)\s*;/g;
  for (const file of readdirSync(confDir).filter((name) => name.endsWith('.conf') || name.endsWith('.template'))) {
    const text = readFileSync(join(confDir, file), 'utf8').replace(/^\s*#.*$/gm, '');
    const pairs = [...text.matchAll(pair)];
    const unpaired = (text.match(statement) ?? []).length - 2 * pairs.length;
    if (unpaired !== 0) throw new Error(`nginx/${file}: every js_content and js_set must follow the js_import of its bundle, and every js_import precede one`);
    for (const [, name, bundle, used, handler] of pairs) {
      if (used !== name) throw new Error(`nginx/${file}: js_content ${used}.${handler} after js_import ${name}`);
      if ((bundleOf[name] ??= bundle) !== bundle) throw new Error(`nginx/${file}: js_import ${name} names both ${bundleOf[name]} and ${bundle}`);
      handlers[bundle] = [...new Set([...(handlers[bundle] ?? []), handler])].sort();
    }
  }
  return handlers;
}
