/**
 * Whether the suite runs under CI, where a test that needs a missing server
 * must fail, never skip. Any value of `CI` counts (`true`, `1`, `yes` — CI
 * systems differ) except an explicit `false`, `0` or an empty one.
 */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase()
  return value !== undefined && value !== '' && value !== 'false' && value !== '0'
}
