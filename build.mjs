// Builds the njs bundles dist/mlflow-uma-gate*.js (scripts/bundles.mjs) and fails, naming the construct, on anything
// that Debian's njs 0.7.9 cannot run (see the "njs compatibility" section of README.md). Three layers:
//  1. esbuild `supported`: syntax njs lacks is a hard error (or lowered where esbuild can do it safely);
//  2. a TypeScript-AST scan of each bundle for built-ins and regex flags that parse but fail at run time;
//  3. if the njs CLI is installed, it must load every bundle and find the handlers nginx/*.conf takes from it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { importTypeScript } from './scripts/typescript.mjs';
import { confBundleHandlers, njsBundles } from './scripts/bundles.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const distDir = join(root, 'dist');
const routesFile = join(distDir, 'mlflow-uma-gate-routes.json');

// Syntax the njs engine rejects (0.7.9 and later): a hard build error, never a silent lowering.
const UNSUPPORTED_SYNTAX = [
  'class', 'class-field', 'class-private-field', 'class-private-method', 'class-private-accessor',
  'class-static-field', 'class-static-blocks', 'class-private-static-field', 'class-private-static-method',
  'class-private-static-accessor', 'class-private-brand-check', 'destructuring', 'for-of', 'generator',
  'async-generator', 'for-await', 'new-target', 'bigint', 'default-argument', 'array-spread',
  'regexp-dot-all-flag', 'regexp-unicode-property-escapes', 'regexp-sticky-and-unicode-flags',
  'regexp-named-capture-groups', 'regexp-lookbehind-assertions', 'regexp-match-indices', 'regexp-set-notation',
  'top-level-await', 'dynamic-import', 'import-meta', 'decorators', 'using', 'hashbang',
];
// Syntax that later njs accepts but 0.7.9 does not; esbuild lowers it to plain ES2018.
const LOWERED_SYNTAX = ['optional-chain', 'logical-assignment', 'optional-catch-binding', 'object-rest-spread'];

// Globals and methods missing on njs 0.7.9. A use of any of them is a build error.
const MISSING_GLOBALS = [
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Proxy', 'Reflect', 'Intl', 'URL',
  'URLSearchParams', 'structuredClone', 'Headers', 'Request', 'Response', 'AbortController', 'queueMicrotask',
];
const MISSING_MEMBERS = {
  Array: ['from', 'of'],
  Object: ['fromEntries', 'hasOwn', 'groupBy'],
};
// Members of newer njs that a function may use after testing `typeof <owner>.<member>` (feature detection).
const DETECTED_MEMBERS = {
  ngx: ['shared'],
};
const MISSING_PROTOTYPE_METHODS = ['flat', 'flatMap', 'replaceAll', 'matchAll', 'at', 'findLast', 'findLastIndex'];
const UNSUPPORTED_REGEX_FLAGS = /[suydv]/;

/** Whether `node` awaits, not counting functions defined inside it. */
function containsAwait(node) {
  if (ts.isAwaitExpression(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, containsAwait) === true;
}

function memberName(node) {
  return ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) ? `${node.expression.text}.${node.name.text}` : '';
}

/** Whether the function around `node` tests `typeof` of the same member before `node`. */
function detectedBefore(node) {
  let scope = node.parent;
  while (scope !== undefined && !ts.isFunctionLike(scope)) scope = scope.parent;
  const name = memberName(node);
  const tests = (candidate) =>
    (ts.isTypeOfExpression(candidate) && memberName(candidate.expression) === name && candidate.getStart() < node.getStart()) ||
    ts.forEachChild(candidate, tests) === true;
  return scope !== undefined && tests(scope);
}

function scanForNjsGaps(code, file) {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const problems = [];
  const where = (node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${file}:${line + 1}:${character + 1}`;
  };
  const visit = (node) => {
    if (ts.isIdentifier(node) && MISSING_GLOBALS.includes(node.text)) {
      const parent = node.parent;
      const isMemberName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ts.isPropertyAssignment(parent) && parent.name === node;
      if (!isMemberName) problems.push(`${where(node)}: njs 0.7.9 has no global ${node.text}`);
    }
    if (ts.isPropertyAccessExpression(node)) {
      const member = node.name.text;
      const owner = ts.isIdentifier(node.expression) ? node.expression.text : '';
      if ((MISSING_MEMBERS[owner] ?? []).includes(member)) problems.push(`${where(node)}: njs 0.7.9 has no ${owner}.${member}`);
      const detected = (DETECTED_MEMBERS[owner] ?? []).includes(member);
      if (detected && !(ts.isTypeOfExpression(node.parent) || detectedBefore(node))) {
        problems.push(`${where(node)}: njs 0.7.9 has no ${owner}.${member} (test typeof ${owner}.${member} first in the same function)`);
      }
      if (MISSING_PROTOTYPE_METHODS.includes(member) && ts.isCallExpression(node.parent) && node.parent.expression === node) {
        problems.push(`${where(node)}: njs 0.7.9 has no .${member}()`);
      }
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && (node.arguments ?? []).some(containsAwait)) {
      problems.push(`${where(node)}: njs 0.7.9 rejects await inside call arguments (assign to a variable first)`);
    }
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const flags = node.text.slice(node.text.lastIndexOf('/') + 1);
      if (UNSUPPORTED_REGEX_FLAGS.test(flags)) problems.push(`${where(node)}: njs 0.7.9 rejects regex flags "${flags}"`);
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      const flags = node.arguments?.[1];
      if (flags && !ts.isStringLiteral(flags)) problems.push(`${where(node)}: RegExp flags must be a string literal`);
      if (flags && ts.isStringLiteral(flags) && UNSUPPORTED_REGEX_FLAGS.test(flags.text)) {
        problems.push(`${where(node)}: njs 0.7.9 rejects regex flags "${flags.text}"`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/**
 * Top-level variables of a bundle set by a call, other than the handlers it exports: a handler kept for want of
 * its `@__PURE__` annotation (src/njs/frame.ts), which every request of the bundle's locations would evaluate.
 */
function unexportedCalls(code, file, handlers) {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  return source.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations])
    .filter((declaration) => declaration.initializer !== undefined && ts.isCallExpression(declaration.initializer))
    .map((declaration) => declaration.name.getText(source))
    .filter((name) => !handlers.includes(name));
}

// njs 0.7.9 only understands `export default x;`, not esbuild's `export { x as default };`.
function njsDefaultExport(code) {
  const esbuildExport = /\nexport\s*\{\s*([\w$]+) as default\s*\};\s*$/;
  const found = esbuildExport.exec(code);
  if (!found) throw new Error('build: expected the bundle to end with a single default export');
  return `${code.slice(0, found.index)}\nexport default ${found[1]};\n`;
}

/**
 * Loads every bundle's code in the njs CLI before any is written to dist/, so a bundle njs rejects never lands,
 * and checks that each exports exactly the handlers nginx/*.conf takes from it.
 */
function loadInNjsCli(bundles, conf) {
  const njsCli = spawnSync('njs', ['-v'], { encoding: 'utf8' });
  if (njsCli.error) {
    console.warn('build: njs CLI not installed; skipping the load check (npm test installs it)');
    return;
  }
  const probeDir = mkdtempSync(join(tmpdir(), 'njs-probe-'));
  let exported;
  try {
    const probe = join(probeDir, 'probe.js');
    bundles.forEach((bundle) => writeFileSync(join(probeDir, bundle.file), bundle.code));
    // Prints each bundle's exported handler names.
    const imports = bundles.map((bundle, i) => `import bundle${i} from '${bundle.file}';\n`).join('');
    const names = bundles.map((bundle, i) => `${JSON.stringify(bundle.file)}: Object.keys(bundle${i}).sort()`).join(', ');
    writeFileSync(probe, `${imports}console.log(JSON.stringify({ ${names} }));\n`);
    exported = JSON.parse(execFileSync('njs', ['-p', probeDir, probe], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' }));
  } catch (error) {
    throw new Error(`build: the njs CLI cannot load the bundles:\n${error.stderr ?? error.message}`);
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
  for (const bundle of bundles) {
    const named = conf[bundle.file];
    if (JSON.stringify(exported[bundle.file]) !== JSON.stringify(named)) {
      throw new Error(`build: ${bundle.file} exports ${exported[bundle.file].join(', ')}, but nginx/*.conf takes ${named.join(', ')} from it`);
    }
  }
  console.log(`build: njs ${njsCli.stdout.trim()} loads the ${bundles.length} bundles, each exporting the handlers nginx/*.conf takes from it`);
}

/**
 * The route index as JSON: for nginx's `js_preload_object` (see src/core/route-matcher.ts for why) and, as a
 * string in the bundle, for QuickJS, which has no preloaded objects (see src/njs/route-index.ts).
 */
async function routeIndexJson() {
  const { MLFLOW_ROUTES } = await importTypeScript(join(root, 'src', 'core', 'mlflow-routes.ts'));
  return JSON.stringify(MLFLOW_ROUTES);
}

async function bundle(entry, file, routes) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    // njs built-in modules, resolved by njs at load time.
    external: ['crypto'],
    format: 'esm',
    platform: 'neutral',
    target: 'es2018',
    supported: Object.fromEntries([
      ...UNSUPPORTED_SYNTAX.map((feature) => [feature, false]),
      ...LOWERED_SYNTAX.map((feature) => [feature, false]),
    ]),
    define: { MLFLOW_GATE_ROUTE_INDEX_JSON: JSON.stringify(routes) },
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
  });
  const code = njsDefaultExport(result.outputFiles[0].text);
  const problems = scanForNjsGaps(code, `dist/${file}`);
  if (problems.length > 0) throw new Error(`build: constructs njs 0.7.9 cannot run:\n  ${problems.join('\n  ')}`);
  return code;
}

async function build() {
  const conf = confBundleHandlers(join(root, 'nginx'));
  const routes = await routeIndexJson();
  const bundles = [];
  for (const { entry, file } of njsBundles(root)) {
    if (conf[file] === undefined) throw new Error(`build: nginx/*.conf imports no ${file} (src/njs/bundles/ has its entry)`);
    const code = await bundle(entry, file, routes);
    const kept = unexportedCalls(code, file, conf[file]);
    if (kept.length > 0) throw new Error(`build: dist/${file} evaluates ${kept.join(', ')} on every request without exporting it (see src/njs/frame.ts)`);
    bundles.push({ file, code });
  }
  const unbuilt = Object.keys(conf).filter((file) => !bundles.some((built) => built.file === file));
  if (unbuilt.length > 0) throw new Error(`build: nginx/*.conf imports ${unbuilt.join(', ')}, which src/njs/bundles/ has no entry for`);
  loadInNjsCli(bundles, conf);
  // dist/ itself stays in place: a running docker compose stack bind-mounts it.
  mkdirSync(distDir, { recursive: true });
  writeFileSync(routesFile, `${routes}\n`);
  console.log(`build: wrote ${routesFile} (${routes.length + 1} bytes)`);
  for (const { file, code } of bundles) {
    writeFileSync(join(distDir, file), code);
    console.log(`build: wrote ${join(distDir, file)} (${readFileSync(join(distDir, file)).length} bytes)`);
  }
}

build().catch((error) => {
  const messages = error.errors?.map((e) => `${e.location?.file}:${e.location?.line}:${e.location?.column}: ${e.text}`);
  console.error(messages?.length ? `build: ${messages.join('\n')}` : error.message);
  process.exit(1);
});
