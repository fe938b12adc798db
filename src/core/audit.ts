/**
 * The audit record of one decision. The gate hands its fields to nginx (X-Mlflow-Gate-Audit), and nginx writes
 * one JSON line per request with its own time, request id, final status and MLflow's status around them
 * (log_format mlflow_gate_audit in nginx/mlflow-uma-gate.http.conf). Never a token, secret or query string.
 */
import { asciiJson } from './refusals';

export interface AuditRecord {
  /** The verified user name; empty when nobody was verified. */
  user: string;
  /** The client the token was issued to (`azp`). */
  client: string;
  method: string;
  /** The request path as sent, without the query (queries can carry anything). */
  path: string;
  /** `resource#scope`, once the route is known. */
  permission: string;
  /** `allow`, `deny` (Keycloak said no) or `refuse` (the gate refused: see reason). */
  decision: 'allow' | 'deny' | 'refuse';
  /** The refusal kind (refusalTable in refusals.ts) for deny and refuse. */
  reason: string;
  /** nginx's cache status of the decision: HIT, MISS, EXPIRED, BYPASS; empty when Keycloak was not asked. */
  cache: string;
  /** Time spent waiting for Keycloak (token exchange and decision), in milliseconds; null when not asked. */
  keycloak_ms: number | null;
}

const MAX_PATH_LENGTH = 512;

export function newAuditRecord(method: string, target: string): AuditRecord {
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  return {
    user: '',
    client: '',
    method,
    path: path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path,
    permission: '',
    decision: 'refuse',
    reason: '',
    cache: '',
    keycloak_ms: null,
  };
}

/** The record's members without the enclosing braces: nginx's log_format puts them between its own fields. */
export function auditFields(record: AuditRecord): string {
  return asciiJson(record).slice(1, -1);
}
