// @ts-check
/**
 * Mutation testing of the core (docs/testing.md): `npm run test:mutation`.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20_000,
  // Points nowhere on purpose: the native TypeScript 7 compiler has no JS API for Stryker to rewrite
  // tsconfig.json with, and the sandbox needs no rewrite (no `extends`, no project references).
  tsconfigFile: 'stryker.no-tsconfig.json',
  mutate: [
    // the alarm lifecycle: the pure machine, the round rules and the shell that applies them
    'gateway/alarms/machine/*.ts',
    'gateway/alarms/offers.ts',
    'gateway/alarms/lifecycle.ts',
    'gateway/alarms/priority.ts',
    // dispatch: the pure ranking
    'gateway/dispatch/engine.ts',
    // the broker's policy, limits, pacing and store-before-ack path
    'broker/policy.ts',
    'broker/limits.ts',
    'broker/pacer.ts',
    'broker/broker.ts',
    // ingest validation
    'gateway/ingest/parse.ts',
    'gateway/ingest/devices.ts',
    // telemetry: fences, silence, vitals
    'gateway/telemetry/fence.ts',
    'gateway/telemetry/silence.ts',
    'gateway/telemetry/vitals.ts',
  ],

  ignorePatterns: ['data', 'dashboards/dist', 'reports', 'docs/img', '.stryker-tmp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
}
