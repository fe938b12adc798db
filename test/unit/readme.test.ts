import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { integrationProject, NJS_RUNTIMES } from '../../scripts/njs-chroots.mjs';
import { README, readChartValues, renderTemplateDefaults, TEMPLATE_DEFAULTS_FILE, withChartValues, withMetricsTable, withRouteTable, withSettingsTables } from '../../scripts/docs.mjs';
import * as metrics from '../../src/core/metrics';
import { ROUTE_TABLE } from '../../src/core/route-table';
import * as settings from '../../src/core/settings';

describe('generated copies (run npm run docs after changing their source)', () => {
  const readme = readFileSync(README, 'utf8');

  it('README.md shows the current route table', () => {
    expect(withRouteTable(readme, ROUTE_TABLE)).toBe(readme);
  });

  it('README.md shows the current settings', () => {
    expect(withSettingsTables(readme, settings)).toBe(readme);
  });

  it('README.md shows the current metrics', () => {
    expect(withMetricsTable(readme, metrics)).toBe(readme);
  });

  it("README.md shows the Helm chart's current values", () => {
    expect(withChartValues(readme, readChartValues())).toBe(readme);
  });

  it('nginx/template-defaults.env holds the current template defaults', () => {
    expect(readFileSync(TEMPLATE_DEFAULTS_FILE, 'utf8')).toBe(renderTemplateDefaults(settings));
  });
});

describe('njs compatibility in README.md', () => {
  it('names exactly the nginx + njs builds the integration tests run on', () => {
    const named = [...readFileSync(README, 'utf8').matchAll(/^\| `(integration[\w-]*)` \|/gm)].map((row) => row[1]).sort();
    expect(named).toEqual(Object.keys(NJS_RUNTIMES).map(integrationProject).sort());
  });
});
