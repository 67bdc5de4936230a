import { defineConfig } from 'vitest/config'

/**
 * The tests StrykerJS runs against each mutant of the core (stryker.config.mjs):
 * everything that exercises the alarm lifecycle, dispatch, broker policy and
 * the store-before-ack path, ingest validation and telemetry — on the real
 * broker and store, as in the full suite — but not the browser, flows, TSDB
 * or benchmark tests, which cover none of those modules' decisions.
 */
export default defineConfig({
  test: {
    include: [
      'tests/dispatch/**/*.test.ts',
      'tests/alarms/**/*.test.ts',
      'tests/broker/**/*.test.ts',
      'tests/telemetry/**/*.test.ts',
      'tests/ingest/**/*.test.ts',
      'tests/e2e/**/*.test.ts',
      'tests/fuzz/payloads.test.ts',
      'tests/contract/**/*.test.ts',
    ],
    // child-process restarts and SIGKILLs are the crash harness's job, not a per-mutant check
    exclude: ['tests/e2e/crash.test.ts', 'tests/e2e/carer-reconnect.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
