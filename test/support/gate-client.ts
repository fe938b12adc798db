/** Requests through the gate, with proof of whether they reached the upstream. */
import { randomUUID } from 'node:crypto';
import { Client, request } from 'undici';
import { inject } from 'vitest';
import type { ReceivedRequest } from './echo-upstream';
import { TEST_ID_HEADER } from './echo-upstream';

export interface GateResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reachedUpstream: boolean;
}

const clients = new Map<string, Client>();

/**
 * Sends one request through the gate (the shared one, or the one at `gate`) and asks the recording upstream
 * whether it arrived. A Client sends `target` exactly as given; request(url) would normalise dot segments before
 * they reach the gate.
 */
export async function throughGate(method: string, target: string, headers: Record<string, string> = {}, gate = inject('stack').gate): Promise<GateResponse> {
  const client = clients.get(gate) ?? new Client(gate);
  clients.set(gate, client);
  const testId = randomUUID();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const response = await client.request({
    path: target,
    method: method as 'GET',
    headers: { [TEST_ID_HEADER]: testId, ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    body: hasBody ? '{}' : undefined,
  });
  const body = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body, reachedUpstream: (await seenUpstream(testId)) !== null };
}

/** What the recording upstream received for the request tagged `testId`, or null if nothing arrived. */
export async function seenUpstream(testId: string): Promise<ReceivedRequest | null> {
  const seen = await request(`${inject('stack').echo}/__seen/${testId}`);
  return seen.statusCode === 200 ? ((await seen.body.json()) as ReceivedRequest) : (await seen.body.dump(), null);
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
