import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withRouteTable } from '../../scripts/route-docs.mjs';
import { ROUTE_TABLE } from '../../src/core/route-table';

describe('README.md', () => {
  it('shows the current route table (run npm run docs:routes after changing it)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withRouteTable(readme, ROUTE_TABLE)).toBe(readme);
  });
});
