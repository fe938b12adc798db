/**
 * Finds the guard of a (method, canonical path) pair in the route table.
 *
 * The index is plain data (JSON): literal rules in a dictionary, parameterised rules as anchored regular
 * expression sources with their literal prefix. njs runs a module's top-level code for every request, so the
 * build writes the index to dist/mlflow-uma-gate-routes.json, which nginx preloads once
 * (`js_preload_object`) and shares, immutable and without prototypes, with every request (QuickJS has no
 * preloaded objects: there the bundle parses its own copy, see src/njs/route-index.ts); a request compiles
 * only the few patterns filed under one of its own leading segments. When several rules match one path they must agree on
 * the guard, otherwise the request is refused: the gate never guesses which rule MLflow will pick.
 */
import type { Guard } from './permissions';
import type { Method, RouteSpec } from './route-spec';
import { METHODS } from './route-spec';

export type RouteMatch =
  | { readonly kind: 'guarded'; readonly guard: Guard; readonly rule: string }
  | { readonly kind: 'unknown-route' }
  | { readonly kind: 'method-not-allowed'; readonly allowed: string[] }
  | { readonly kind: 'ambiguous'; readonly rules: string[] };

type GuardsByMethod = { [method: string]: Guard };

interface PatternRule {
  readonly rule: string;
  /** The rule's text before its first parameter: a path the rule matches starts with it. */
  readonly prefix: string;
  /** Source of the anchored regular expression the whole path must match. */
  readonly source: string;
  readonly guards: GuardsByMethod;
}

export interface RouteIndex {
  readonly literal: { [path: string]: GuardsByMethod };
  /** Parameterised rules filed under their literal prefix up to its last `/`: only a path that starts with
   * that key can match them. */
  readonly patterns: { [segments: string]: PatternRule[] };
}

// werkzeug `<conv(args):name>` and Starlette `{name:conv}` placeholders.
const WERKZEUG_PARAM = /<(?:(\w+)(?:\([^)]*\))?:)?\w+>/g;
const STARLETTE_PARAM = /\{\w+(?::(\w+))?\}/g;
const REGEX_SPECIALS = /[.*+?^${}()|[\]\\]/g;

const WERKZEUG_CONVERTERS: { [name: string]: string } = {
  default: '[^/]+',
  string: '[^/]+',
  path: '[^/].*?',
  int: '\\d+',
  float: '\\d+\\.\\d+',
  uuid: '[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}',
};
const STARLETTE_CONVERTERS: { [name: string]: string } = {
  str: '[^/]+',
  path: '.*',
  int: '[0-9]+',
  float: '[0-9]+(?:\\.[0-9]+)?',
  uuid: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
};

// Preloaded objects have no prototype chain, so methods are always borrowed from the prototypes.
function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function converterPattern(table: { [name: string]: string }, name: string, rule: string): string {
  if (!hasOwn(table, name)) throw new Error(`route table: unknown path converter "${name}" in ${rule}`);
  return table[name];
}

export function isPatternRule(rule: string): boolean {
  return rule.search(WERKZEUG_PARAM) >= 0 || rule.search(STARLETTE_PARAM) >= 0;
}

/** Compiles one werkzeug or Starlette rule into an anchored regular expression. */
export function compileRule(rule: string): RegExp {
  const placeholders = new RegExp(`${WERKZEUG_PARAM.source}|${STARLETTE_PARAM.source}`, 'g');
  let source = '^';
  let last = 0;
  let found: RegExpExecArray | null;
  while ((found = placeholders.exec(rule)) !== null) {
    source += rule.slice(last, found.index).replace(REGEX_SPECIALS, '\\$&');
    source +=
      found[0].charAt(0) === '<'
        ? `(?:${converterPattern(WERKZEUG_CONVERTERS, found[1] || 'default', rule)})`
        : `(?:${converterPattern(STARLETTE_CONVERTERS, found[2] || 'str', rule)})`;
    last = found.index + found[0].length;
  }
  return new RegExp(`${source}${rule.slice(last).replace(REGEX_SPECIALS, '\\$&')}$`);
}

export function buildRouteIndex(table: readonly RouteSpec[]): RouteIndex {
  const literal: { [path: string]: GuardsByMethod } = {};
  const patternsByRule: { [rule: string]: PatternRule } = {};
  const patterns: { [segments: string]: PatternRule[] } = {};
  table.forEach((spec) => {
    let guards: GuardsByMethod;
    if (isPatternRule(spec.rule)) {
      if (!hasOwn(patternsByRule, spec.rule)) {
        const literalPart = spec.rule.slice(0, spec.rule.search(/[<{]/));
        const prefix = literalPart.slice(0, literalPart.lastIndexOf('/') + 1);
        patternsByRule[spec.rule] = { rule: spec.rule, prefix, source: compileRule(spec.rule).source, guards: {} };
        if (!hasOwn(patterns, prefix)) patterns[prefix] = [];
        patterns[prefix].push(patternsByRule[spec.rule]);
      }
      guards = patternsByRule[spec.rule].guards;
    } else {
      if (!hasOwn(literal, spec.rule)) literal[spec.rule] = {};
      guards = literal[spec.rule];
    }
    if (hasOwn(guards, spec.method)) throw new Error(`route table: ${spec.method} ${spec.rule} is listed twice`);
    guards[spec.method] = spec.guard;
  });
  return { literal, patterns };
}

function allowedMethods(guards: GuardsByMethod): string[] {
  const methods = Object.keys(guards);
  if (hasOwn(guards, 'GET')) methods.push('HEAD');
  return methods.sort();
}

/**
 * HEAD is authorized as GET; any method MLflow does not route is refused. A literal rule and a parameterised
 * rule can both match one path (werkzeug prefers the literal, Starlette the first registered), so every rule
 * that serves the method must agree on the guard.
 */
export function matchRoute(index: RouteIndex, method: string, path: string): RouteMatch {
  const routed = method === 'HEAD' ? 'GET' : method;
  const known = (METHODS as readonly string[]).indexOf(routed) >= 0;
  const candidates: { rule: string; guards: GuardsByMethod }[] = [];
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    const segments = path.slice(0, slash + 1);
    if (!hasOwn(index.patterns, segments)) continue;
    Array.prototype.forEach.call(index.patterns[segments], (pattern: PatternRule) => {
      if (new RegExp(pattern.source).test(path)) candidates.push(pattern);
    });
  }
  if (hasOwn(index.literal, path)) candidates.unshift({ rule: path, guards: index.literal[path] });
  if (candidates.length === 0) return { kind: 'unknown-route' };
  const serving = candidates.filter((candidate) => known && hasOwn(candidate.guards, routed));
  if (serving.length === 0) {
    const allowed: string[] = [];
    candidates.forEach((candidate) => {
      allowedMethods(candidate.guards).forEach((m) => {
        if (allowed.indexOf(m) < 0) allowed.push(m);
      });
    });
    return { kind: 'method-not-allowed', allowed: allowed.sort() };
  }
  const guard = serving[0].guards[routed];
  const disagreeing = serving.filter((candidate) => candidate.guards[routed] !== guard);
  if (disagreeing.length > 0) return { kind: 'ambiguous', rules: serving.map((candidate) => candidate.rule) };
  return { kind: 'guarded', guard, rule: serving[0].rule };
}

export type { Method };
