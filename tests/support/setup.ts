import { afterAll } from 'vitest'
import { stopWorldsPostgres } from './world-store.ts'

// Every test file: the PostgreSQL its worlds used (CARE_TEST_STORE=postgres) stops with the file.
afterAll(async () => {
  await stopWorldsPostgres()
})
