/**
 * A TCP peer on 127.0.0.1 that stands where Keycloak or MLflow should be and misbehaves in one chosen way.
 * Every connection it holds is closed when the peer is closed, so tests stay bounded.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Misbehaviour =
  | { kind: 'silent' }
  | { kind: 'trickle'; intervalMs: number }
  | { kind: 'answer'; status: number; body: string };

export interface Peer {
  port: number;
  close(): Promise<void>;
}

export async function startMisbehavingPeer(behaviour: Misbehaviour): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', () => {
      if (behaviour.kind === 'answer') {
        const body = Buffer.from(behaviour.body);
        socket.end(`HTTP/1.1 ${behaviour.status} Whatever\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${behaviour.body}`);
      } else if (behaviour.kind === 'trickle') {
        const bytes = Buffer.from('HTTP/1.1 200 OK\r\nX-Padding: ' + 'x'.repeat(10_000));
        let sent = 0;
        const timer = setInterval(() => {
          if (sent >= bytes.length || socket.destroyed) return clearInterval(timer);
          socket.write(bytes.subarray(sent, sent + 1));
          sent += 1;
        }, behaviour.intervalMs);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        timers.forEach(clearInterval);
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
