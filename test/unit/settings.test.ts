/**
 * The copies of the settings that cannot be generated agree with src/core/settings.ts: the placeholders and `set`
 * lines of nginx/nginx.conf.template, and the defaults quoted by the snippets' header comments and the README's
 * nginx examples. (readConfig, the README tables and nginx/template-defaults.env are derived; compose:
 * compose.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { README } from '../../scripts/docs.mjs';
import { njsBundles } from '../../scripts/bundles.mjs';
import { bundleDir, confDir, projectRoot } from '../../scripts/nginx.mjs';
import { allSettings, GATE_SETTINGS, parseValue, templatePlaceholder, VARIABLE_PREFIX } from '../../src/core/settings';

const template = readFileSync(join(confDir, 'nginx.conf.template'), 'utf8');
const settings = allSettings();
const placeholderOf = (name: string) => `\${${templatePlaceholder(name)}}`;

describe('nginx/nginx.conf.template', () => {
  it('has a placeholder for every template setting, and no other', () => {
    const placeholders = new Set([...template.matchAll(/\$\{(MLFLOW_GATE_[A-Z0-9_]+)\}/g)].map((match) => match[1]));
    const templateSettings = settings.filter((setting) => setting.template).map((setting) => templatePlaceholder(setting.name));
    expect([...placeholders].sort()).toEqual(templateSettings.sort());
  });

  it("sets the gate's variables from their own placeholders, each gate setting the template has", () => {
    const sets = [...template.matchAll(/^\s*set \$(\S+) (.*);$/gm)].map((match) => [match[1], match[2]]);
    const expected = settings
      .filter((setting) => setting.gate && setting.template)
      .map((setting) => [`${VARIABLE_PREFIX}${setting.name}`, `"${placeholderOf(setting.name)}"`]);
    expect(sets).toEqual(expected);
  });
});

// A value in nginx's words: "quoted" or one word.
const VALUE = '(?:"([^"]*)"|([^\\s";]+))';
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
const defaults = new Map(settings.filter((setting) => setting.default).map((setting) => [templatePlaceholder(setting.name), setting.default]));

/**
 * The directives that carry a setting with a (non-empty) default, as patterns capturing the values: the template's
 * own lines, and `set $mlflow_gate_<name> <value>;` for every gate setting.
 */
const directives = [
  // Not `listen`: a quoted listen line may be any server's (the helper's socket, an example's public port).
  ...template.split('\n').filter((line) => line.includes('${MLFLOW_GATE_') && !line.trim().startsWith('#') && !line.trim().startsWith('listen ')),
  ...settings.filter((setting) => setting.gate).map((setting) => `set $${VARIABLE_PREFIX}${setting.name} ${placeholderOf(setting.name)};`),
]
  .map((line) => line.trim().split(/"?\$\{(MLFLOW_GATE_[A-Z0-9_]+)\}"?/))
  .map((parts) => ({
    placeholders: parts.filter((_, index) => index % 2 === 1),
    pattern: new RegExp(parts.map((part, index) => (index % 2 === 1 ? VALUE : escaped(part))).join(''), 'g'),
  }))
  .filter(({ placeholders }) => placeholders.every((placeholder) => defaults.has(placeholder)));

/** [placeholder, value quoted in `text`] for every directive of a setting found there. */
function quotedValues(text: string): [string, string][] {
  return directives.flatMap(({ placeholders, pattern }) =>
    [...text.matchAll(pattern)].flatMap((match) => placeholders.map((placeholder, index): [string, string] => [placeholder, match[1 + 2 * index] ?? match[2 + 2 * index]])),
  );
}

describe('defaults quoted outside src/core/settings.ts', () => {
  // Header comments only: the snippets' own directives (Keycloak's timeouts) are not the settings.
  const snippetComments = readdirSync(confDir)
    .filter((file) => file.endsWith('.conf'))
    .map((file) => readFileSync(join(confDir, file), 'utf8').split('\n').filter((line) => line.startsWith('#')).join('\n'))
    .join('\n');
  const readmeNginxBlocks = [...readFileSync(README, 'utf8').matchAll(/```nginx\n([\s\S]*?)```/g)].map((match) => match[1]).join('\n');

  it.each([
    ['the snippets’ header comments', snippetComments],
    ["the README's nginx examples", readmeNginxBlocks],
  ])('are the defaults in %s', (_, text) => {
    const quoted = quotedValues(text);
    expect(quoted.map(([placeholder]) => placeholder)).toContain('MLFLOW_GATE_CACHE_ALLOW_TTL');
    expect(quoted.filter(([placeholder, value]) => defaults.get(placeholder) !== value)).toEqual([]);
  });
});

describe('src/core/settings.ts', () => {
  it("gives every gate setting a default the gate accepts", () => {
    for (const [name, setting] of Object.entries(GATE_SETTINGS)) {
      if (setting.default !== null) expect([name, parseValue(setting.kind, setting.default)]).not.toEqual([name, null]);
    }
  });

  it.each(njsBundles(projectRoot).map((bundle) => bundle.file))(
    "stays out of %s with nginx's own settings (njs runs the module's top level on every request)",
    (file) => {
      const bundle = readFileSync(join(bundleDir, file), 'utf8');
      const nginxOnly = settings.filter((setting) => !setting.gate);
      expect(nginxOnly.filter((setting) => bundle.includes(setting.meaning))).toEqual([]);
      // The metrics server sets none of the gate's settings, and its bundle reads none.
      const gateSettings = file === 'mlflow-uma-gate-metrics.js' ? [] : settings.filter((setting) => setting.gate);
      expect(settings.filter((setting) => setting.gate && bundle.includes(setting.meaning)).map((setting) => setting.name)).toEqual(gateSettings.map((setting) => setting.name));
    },
  );
});
