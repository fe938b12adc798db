/// <reference path="../../node_modules/njs-types/ngx_http_js_module.d.ts" />
/**
 * njs's shared dictionaries (`js_shared_dict_zone`, njs 0.8 and later), shared by all workers. njs 0.7.9 has
 * none, and an installation may leave the zones out (nginx/mlflow-uma-gate.zones.conf): then there is no dictionary,
 * and the gate does without (no metrics, no shared allows).
 */

/** What the gate uses of a dictionary of numbers (njs-types 0.7 describes njs 0.7.9, which has none). */
export interface SharedNumbers {
  get(key: string): number | undefined;
  /** `timeout` in milliseconds: the entry is gone after it. */
  set(key: string, value: number, timeout: number): unknown;
  /** Adds the entry unless it exists; whether it did. */
  add(key: string, value: number, timeout: number): boolean;
  delete(key: string): boolean;
  incr(key: string, delta: number, init: number): number;
  items(): Array<[string, number]>;
}

declare global {
  interface NgxObject {
    /** njs 0.8 and later: the `js_shared_dict_zone`s by name. */
    readonly shared?: { readonly [zone: string]: SharedNumbers | undefined };
  }
}

/** The dictionary `name`, or null where there is none. */
export function sharedDictionary(name: string): SharedNumbers | null {
  if (typeof ngx.shared === 'undefined') return null;
  return ngx.shared[name] || null;
}
