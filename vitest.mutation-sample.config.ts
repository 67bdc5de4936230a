import { defineConfig } from 'vitest/config'

/** The unit tests of the sample CI mutates (stryker.sample.config.mjs). */
export default defineConfig({
  test: {
    include: ['tests/dispatch/engine.test.ts', 'tests/broker/policy.test.ts'],
  },
})
