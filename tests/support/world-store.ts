import { type Postgres, startPostgres } from './servers.ts'

/**
 * `CARE_TEST_STORE=postgres` runs every world on PostgreSQL (a fresh database each, on one server
 * per test file) instead of a SQLite file: the suites that see the store only through the
 * gateway run unchanged against the cluster's adapter (docs/testing.md). A test that opens the
 * SQLite file itself (`world.db()`) cannot, and says so.
 */
export const onPostgres = process.env.CARE_TEST_STORE === 'postgres'
let postgres: Promise<Postgres> | undefined
/** A world restarted on its data directory finds its database again. */
const databases = new Map<string, string>()
export async function worldDatabase(dataDir: string): Promise<Record<string, string>> {
  if (!onPostgres) return {}
  let url = databases.get(dataDir)
  if (url === undefined) {
    postgres ??= startPostgres()
    url = await (await postgres).database()
    databases.set(dataDir, url)
  }
  return { CARE_DATABASE_URL: url }
}

/** The worlds' PostgreSQL ends with each test file (tests/support/setup.ts): no server outlives its tests. */
export async function stopWorldsPostgres(): Promise<void> {
  const started = postgres
  postgres = undefined
  databases.clear()
  await (await started)?.stop()
}
