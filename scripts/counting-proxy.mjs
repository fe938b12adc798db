// An HTTP pass-through between the gate and the real Keycloak that counts the requests it forwards (all of them,
// and the token endpoint's), so tests and the benchmark can tell how many requests reached Keycloak.
import http from 'node:http';
import { Pool } from 'undici';

/**
 * @param {string} keycloakUrl
 * @returns {Promise<{ port: number, decisions: () => number, calls: () => number, close: () => Promise<void> }>}
 */
export async function startCountingProxy(keycloakUrl) {
  const keycloak = new Pool(keycloakUrl, { connections: 64 });
  let decisions = 0;
  let calls = 0;
  const server = http.createServer(async (request, response) => {
    calls += 1;
    if (request.method === 'POST' && (request.url ?? '').endsWith('/protocol/openid-connect/token')) decisions += 1;
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    try {
      const answer = await keycloak.request({
        method: request.method,
        path: request.url ?? '/',
        headers: request.headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      delete headers.connection;
      response.writeHead(answer.statusCode, { ...headers, 'content-length': String(body.length) });
      response.end(body);
    } catch {
      response.writeHead(502).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    decisions: () => decisions,
    calls: () => calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      await keycloak.close();
    },
  };
}
