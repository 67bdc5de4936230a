// @ts-check
import base from './stryker.config.mjs'

/**
 * The small sample of mutation testing that CI runs (scripts/test.sh): the pure
 * dispatch engine and the broker's publish/subscribe policy, against their unit
 * tests only — a few minutes on 2 cores. Below 80% killed, the run fails.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-sample.config.ts' },
  mutate: ['gateway/dispatch/engine.ts', 'broker/policy.ts'],
  reporters: ['clear-text', 'progress'],
  thresholds: { high: 90, low: 80, break: 80 },
}
