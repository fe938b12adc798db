/**
 * A round-robin load balancer in front of gate instances: a plain nginx with an `upstream` of them, as a
 * platform puts several replicas behind one address. It passes the Host on, so every instance sees the one
 * public origin (the browser login's redirect address and the same-origin check depend on it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, stopProcessGroup } from '../../scripts/processes.mjs';
import { runNginx, workerTempDir } from '../../scripts/nginx.mjs';

/** A cookie that sends a request to one instance by name, so a test can say where each step of a flow goes. */
export const PIN_COOKIE = 'balancer_pin';

/** The balancer's own answer when no instance answered: the request's fate at the instance is unknown. */
export const BALANCER_FAILED_HEADER = 'x-balancer-failed';

export interface Served {
  /** When the balancer finished the request (ms since the epoch). */
  at: number;
  /** The instances tried, in order (more than one when the first could not be reached). */
  instances: string[];
  status: number;
  method: string;
  path: string;
}

export interface Balancer {
  url: string;
  tempDir: string;
  /** Every request so far, from the balancer's access log. */
  served(): Served[];
  stop(): Promise<void>;
}

/** Starts the balancer in `runtimeDir` in front of `instances` (name → port on 127.0.0.1). */
export async function startBalancer(runtimeDir: string, instances: Record<string, number>): Promise<Balancer> {
  const port = await freePort();
  const tempDir = workerTempDir(runtimeDir);
  const errorLog = join(runtimeDir, 'error.log');
  const accessLog = join(runtimeDir, 'access.log');
  const conf = join(runtimeDir, 'nginx.conf');
  const names = Object.fromEntries(Object.entries(instances).map(([name, instancePort]) => [`127.0.0.1:${instancePort}`, name]));
  const servers = Object.keys(names).map((address) => `server ${address} max_fails=1 fail_timeout=2s;`);
  const pins = Object.entries(names).map(([address, name]) => `${name} ${address};`);
  writeFileSync(
    conf,
    `events { worker_connections 1024; }
error_log ${errorLog} info;
http {
    ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${tempDir}/${kind};`).join('\n    ')}
    log_format balancer '$msec|$upstream_addr|$status|$request_method|$uri';
    access_log ${accessLog} balancer;
    upstream replicas {
        ${servers.join('\n        ')}
        keepalive 16;
    }
    map $cookie_${PIN_COOKIE} $replica {
        ${pins.join('\n        ')}
        default replicas;
    }
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://$replica;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            client_max_body_size 0;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_connect_timeout 2s;
            # Only the balancer's own failures: the instances' answers (also their 502) pass unchanged.
            error_page 502 504 = @failed;
        }
        location @failed {
            add_header ${BALANCER_FAILED_HEADER} 1 always;
            return 502;
        }
    }
}
`,
  );
  const child = await runNginx({ runtimeDir, conf, port, errorLog });
  return {
    url: `http://127.0.0.1:${port}`,
    tempDir,
    served: () =>
      readFileSync(accessLog, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [at, upstream, status, method, path] = line.split('|');
          return { at: Number(at) * 1000, instances: upstream.split(/, /).map((address) => names[address] ?? address), status: Number(status), method, path };
        }),
    stop: () => stopProcessGroup(child.pid!),
  };
}
