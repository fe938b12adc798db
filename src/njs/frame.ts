/// <reference path="../../node_modules/njs-types/ngx_http_js_module.d.ts" />
/**
 * The one frame every handler nginx calls runs in: the settings are read once, any exception becomes the
 * `internal` refusal (logged, never proxied), every refusal is rendered by src/core/refusals.ts with the
 * request id, and every answer the gate gives itself carries `X-Request-Id`. How a refusal travels is the
 * handler's channel: content handlers answer it, the `auth_request` handler signals it to nginx.
 */
import type { AuditRecord } from '../core/audit';
import { newAuditRecord } from '../core/audit';
import type { GateConfig } from '../core/config';
import { readConfig, VARIABLE_PREFIX } from '../core/config';
import type { Refusal, RenderedRefusal } from '../core/refusals';
import { renderRefusal } from '../core/refusals';

/** What the frame knows before the settings are read (a configuration error is refused with it too). */
export interface FrameBasics {
  /** nginx's `$request_id`: in every refusal body, the audit log and `X-Request-Id`. */
  readonly requestId: string;
  /** What the audit log records of this request (only the authorize handler hands it to nginx). */
  readonly audit: AuditRecord;
}

/** The frame of a server without the gate's settings (the metrics server). */
export interface BareFrame extends FrameBasics {
  readonly r: NginxHTTPRequest;
  /** Answers with a refusal, through this handler's channel. */
  readonly refuse: (refusal: Refusal) => void;
}

export interface Frame extends BareFrame {
  readonly config: GateConfig;
}

/** How a handler's refusals reach the client. */
export type RefusalChannel = (r: NginxHTTPRequest, rendered: RenderedRefusal, refusal: Refusal, frame: FrameBasics) => void;

// The realm a refusal names before the settings could be read.
const UNCONFIGURED_REALM = 'mlflow';

export function gateVariable(r: NginxHTTPRequest, name: string): string | undefined {
  const value = r.variables[VARIABLE_PREFIX + name];
  return value === undefined ? undefined : String(value);
}

function refuseWith(r: NginxHTTPRequest, channel: RefusalChannel, basics: FrameBasics, bearerRealm: string, refusal: Refusal): void {
  channel(r, renderRefusal(refusal, bearerRealm, basics.requestId), refusal, basics);
}

// Every handler is defined as `export const x = /* @__PURE__ */ handler(…)`: the annotation tells esbuild that the
// call has no side effect, so a bundle leaves out each handler it does not export (njs 0.7.9 evaluates a bundle's
// whole top level on every request; the build fails on a handler a bundle keeps without exporting it).

/** Wraps a handler of the gate's server in the frame; `channel` is how its refusals travel. */
export function handler(run: (frame: Frame) => Promise<void> | void, channel: RefusalChannel): (r: NginxHTTPRequest) => Promise<void> {
  return framedHandler(run, channel, (r) => String(r.variables.request_id));
}

/**
 * Wraps a handler of the helper server, which serves requests of the gate's server and names the id of the
 * one it serves in `$mlflow_gate_request_id` (mlflow-uma-gate.helper.conf). Only the helper server sets that
 * variable: read elsewhere, nginx would log it as uninitialized on every request.
 */
export function helperHandler(run: (frame: Frame) => Promise<void> | void): (r: NginxHTTPRequest) => Promise<void> {
  return framedHandler(run, respond, (r) => gateVariable(r, 'request_id') || String(r.variables.request_id));
}

/**
 * Wraps a content handler of a server that sets none of the gate's settings (the metrics server): no settings
 * are read; the request id, exceptions and refusals are handled as everywhere else.
 */
export function bareHandler(run: (frame: BareFrame) => Promise<void> | void): (r: NginxHTTPRequest) => Promise<void> {
  return async function framed(r: NginxHTTPRequest): Promise<void> {
    const basics = frameBasics(r, String(r.variables.request_id));
    const frame: BareFrame = {
      r,
      requestId: basics.requestId,
      audit: basics.audit,
      refuse: (refusal) => refuseWith(r, respond, basics, UNCONFIGURED_REALM, refusal),
    };
    await guarded(frame, run);
  };
}

/** Runs `run` in `frame`: an exception is logged and refused as `internal`. */
async function guarded<F extends BareFrame>(frame: F, run: (frame: F) => Promise<void> | void): Promise<void> {
  try {
    await run(frame);
  } catch (e) {
    frame.r.error(`mlflow-uma-gate: exception in ${frame.r.uri}: ${e}`);
    frame.refuse({ kind: 'internal', detail: 'exception, see the NGINX error log' });
  }
}

function frameBasics(r: NginxHTTPRequest, requestId: string): FrameBasics {
  return { requestId, audit: newAuditRecord(String(r.variables.request_method), String(r.variables.request_uri)) };
}

function framedHandler(
  run: (frame: Frame) => Promise<void> | void,
  channel: RefusalChannel,
  requestIdOf: (r: NginxHTTPRequest) => string,
): (r: NginxHTTPRequest) => Promise<void> {
  return async function framed(r: NginxHTTPRequest): Promise<void> {
    const basics = frameBasics(r, requestIdOf(r));
    const settings = readConfig((name) => gateVariable(r, name));
    if (!settings.ok) {
      r.error(`mlflow-uma-gate: configuration error: ${settings.problem}`);
      refuseWith(r, channel, basics, UNCONFIGURED_REALM, { kind: 'internal', detail: 'gate configuration error' });
      return;
    }
    const config = settings.config;
    const frame: Frame = {
      r,
      config,
      requestId: basics.requestId,
      audit: basics.audit,
      refuse: (refusal) => refuseWith(r, channel, basics, config.bearerRealm, refusal),
    };
    await guarded(frame, run);
  };
}

/** Every Authorization header value the client sent, as a list (a repeated header is refused, never merged). */
export function authorizationHeaders(r: NginxHTTPRequest): string[] {
  return r.rawHeadersIn.filter((header) => String(header[0]).toLowerCase() === 'authorization').map((header) => String(header[1]));
}

export const JSON_HEADERS: { readonly [name: string]: string } = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/** The gate's own answer (content handlers), with its request id. */
export function send(frame: BareFrame, status: number, headers: { readonly [name: string]: string }, body: string): void {
  answer(frame.r, frame, status, headers, body);
}

function answer(r: NginxHTTPRequest, basics: FrameBasics, status: number, headers: { readonly [name: string]: string }, body: string): void {
  Object.keys(headers).forEach((name) => {
    r.headersOut[name] = headers[name];
  });
  r.headersOut['X-Request-Id'] = basics.requestId;
  r.return(status, body);
}

/** The channel of content handlers: the refusal is the response. */
export function respond(r: NginxHTTPRequest, rendered: RenderedRefusal, _refusal: Refusal, basics: FrameBasics): void {
  answer(r, basics, rendered.status, rendered.headers, rendered.body);
}
