/**
 * Sends bytes exactly as written, for request lines and headers that HTTP clients refuse to produce
 * (raw backslashes, lowercase methods, underscore header names, several Authorization headers).
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** Sends one request with `Connection: close` and reads the whole answer; bounded by `timeoutMs`. */
export function rawRequest(port: number, requestLine: string, headers: string[] = [], timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? '' : text.slice(split + 4) });
    });
    socket.write(`${requestLine}\r\n${['Host: gate.test', ...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`);
  });
}
