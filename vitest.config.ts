import { defineConfig } from 'vitest/config';
import { integrationProject, NJS_RUNTIME_ENV, NJS_RUNTIMES } from './scripts/njs-chroots.mjs';

/**
 * The integration core every other njs runs too (the host's runs all of test/integration): the gate's
 * decisions, the attack suite, the differential test, the decision cache and the exchange of Basic
 * credentials, faults of Keycloak and MLflow, large tokens over the helper server, and the browser session.
 */
const INTEGRATION_CORE = ['gate', 'attacks', 'differential', 'decision-cache', 'faults', 'large-tokens', 'browser-session', 'metrics'];

const integration = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 60_000,
  // A test's own Keycloak may take up to its start limit (scripts/keycloak.mjs), plus the test's setup.
  hookTimeout: 420_000,
  // One shared Keycloak and nginx: files run one after another so fault tests cannot disturb others.
  fileParallelism: false,
};

/**
 * The integration tests on each nginx + njs of scripts/njs-chroots.mjs: all of them on the host's, the core on
 * the others (e.g. `integration-sid-qjs`). They share one Keycloak (test/support/global-setup.ts), so each project
 * runs after the one before.
 */
const njsMatrix = Object.keys(NJS_RUNTIMES).map((name, index) => ({
  test: {
    name: integrationProject(name),
    include: name === 'host' ? ['test/integration/**/*.test.ts'] : INTEGRATION_CORE.map((file) => `test/integration/${file}.test.ts`),
    env: { [NJS_RUNTIME_ENV]: name },
    sequence: { groupOrder: index },
    ...integration,
  },
}));

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // helm lint and template: no cluster, a few seconds once helm is built (globalSetup, cached).
      { test: { name: 'chart', include: ['test/chart/**/*.test.ts'], globalSetup: ['test/support/chart-setup.ts'], testTimeout: 120_000 } },
      { test: { name: 'coverage-guard', include: ['test/coverage/**/*.test.ts'], testTimeout: 60_000 } },
      ...njsMatrix,
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/e2e-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 420_000,
          // One shared stack; a file may change realm settings (token lifespans) for the time of a test.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e-compose',
          include: ['test/e2e-compose/**/*.test.ts'],
          globalSetup: ['test/support/compose-setup.ts'],
          // After the integration matrix: the compose stack's five containers would slow its timing-bound tests.
          sequence: { groupOrder: njsMatrix.length },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
