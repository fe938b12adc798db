import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // helm lint and template: no cluster, a few seconds once helm is built (globalSetup, cached).
      { test: { name: 'chart', include: ['test/chart/**/*.test.ts'], globalSetup: ['test/support/chart-setup.ts'], testTimeout: 120_000 } },
      { test: { name: 'coverage-guard', include: ['test/coverage/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          // A test's own Keycloak may take up to its start limit (scripts/keycloak.mjs), plus the test's setup.
          hookTimeout: 420_000,
          // One shared Keycloak and nginx: files run one after another so fault tests cannot disturb others.
          fileParallelism: false,
        },
      },
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
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
