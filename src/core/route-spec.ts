/**
 * The shape of a route table entry. Kept apart from the table itself so that the njs bundle, which matches
 * against the preloaded index, does not carry the table.
 */
import type { Guard } from './permissions';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

export interface RouteSpec {
  readonly method: Method;
  readonly rule: string;
  readonly guard: Guard;
}
