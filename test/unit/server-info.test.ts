/**
 * The gate's rewrite of MLflow's server-info answer (mlflow-uma-gate.locations.conf, SECURITY.md "Artifacts go
 * through the gate"): the nested location that rewrites it and the map that asks MLflow for it uncompressed
 * must select the same requests, and exactly the route table's server-info routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confDir } from '../../scripts/nginx.mjs';
import { ROUTE_TABLE } from '../../src/core/route-table';

const locationsConf = readFileSync(join(confDir, 'mlflow-uma-gate.locations.conf'), 'utf8');
const httpConf = readFileSync(join(confDir, 'mlflow-uma-gate.http.conf'), 'utf8');

const rewriting = /^ {4}location ~ (\S+) \{\n((?: {8}.*\n)+) {4}\}/m.exec(locationsConf);
const uncompressed = /^map \$uri \$mlflow_gate_upstream_accept_encoding \{\n {4}"~(\S+)" "";\n {4}default \$http_accept_encoding;\n\}/m.exec(httpConf);

describe('the server-info rewrite', () => {
  it('is one nested location, and one map entry with the same pattern', () => {
    expect(rewriting?.[1]).toBeDefined();
    expect(uncompressed?.[1]).toBe(rewriting?.[1]);
  });

  it('selects the route table\'s server-info routes and no other route', () => {
    const pattern = new RegExp(rewriting![1]);
    const selected = ROUTE_TABLE.filter((route) => pattern.test(route.rule)).map((route) => `${route.method} ${route.rule}`);
    expect(selected).toEqual(['GET /api/3.0/mlflow/server-info', 'GET /ajax-api/3.0/mlflow/server-info']);
  });

  it('turns off both presigned capabilities, in every JSON answer of the location', () => {
    const body = rewriting![2];
    expect(body).toContain('sub_filter_types application/json;');
    expect(body).toContain('sub_filter_once off;');
    for (const flag of ['multipart_uploads_enabled', 'multipart_downloads_enabled']) {
      expect(body).toContain(`sub_filter '"${flag}":true' '"${flag}":false';`);
    }
    expect(body).toContain('proxy_pass http://$mlflow_gate_upstream$mlflow_gate_target;');
  });
});
