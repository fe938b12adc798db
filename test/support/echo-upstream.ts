/**
 * Stands where MLflow stands behind the gate and records every request that reaches it, so tests can prove
 * what got through. Answers with the method, target and headers it received. Its own `/__seen/<id>` route is
 * no MLflow route, so the gate never lets it through: tests ask it directly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface EchoUpstream {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const TEST_ID_HEADER = 'x-test-id';

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: { [testId: string]: ReceivedRequest } = {};
  const server = http.createServer((request, response) => {
    const seenQuery = /^\/__seen\/([\w-]+)$/.exec(request.url ?? '');
    if (seenQuery) {
      const record = seen[seenQuery[1]];
      response.writeHead(record ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(record ?? null));
      return;
    }
    request.resume();
    request.on('end', () => {
      const received = { method: request.method ?? '', target: request.url ?? '', headers: request.headers };
      const testId = request.headers[TEST_ID_HEADER];
      if (typeof testId === 'string') seen[testId] = received;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ upstream: 'echo', ...received }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
