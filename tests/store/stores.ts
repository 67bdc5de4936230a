import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { Store } from '../../gateway/store/db.ts'
import { type Arg, PgStore } from '../../gateway/store/postgres/db.ts'
import { missing, type Postgres, startPostgres } from '../support/servers.ts'

/**
 * The store-facing tests run against both adapters: the embedded SQLite file and PostgreSQL
 * (cluster mode). A file that uses `testStores()` starts one PostgreSQL server of its own, lazily,
 * and gives each test a fresh database; under CI a missing PostgreSQL fails the file.
 */

export type StoreKind = 'sqlite' | 'postgres'

/** One fresh store of either kind, with raw SQL for a test's set-up and checks. */
export interface TestStore {
  kind: StoreKind
  /** Set when `kind` is 'sqlite'. */
  sqlite: Store | undefined
  /** Set when `kind` is 'postgres'. */
  pg: PgStore | undefined
  /** Runs statements written with `?` placeholders, as both adapters write them. */
  run(sql: string, args?: readonly Arg[]): Promise<void>
  rows<R>(sql: string, args?: readonly Arg[]): Promise<R[]>
  close(): Promise<void>
}

/** The kinds to run: both, or only SQLite where PostgreSQL is missing (never under CI). */
export const storeKinds: readonly StoreKind[] =
  missing('postgresql') === undefined ? ['sqlite', 'postgres'] : ['sqlite']

export function testStores(): { open(kind: StoreKind): Promise<TestStore> } {
  let server: Promise<Postgres> | undefined
  afterAll(async () => {
    const started = server
    server = undefined
    await (await started)?.stop()
  })
  return {
    async open(kind) {
      if (kind === 'sqlite') return sqliteStore()
      server ??= startPostgres()
      const url = await (await server).database()
      const pg = new PgStore({ url, max: 4 })
      await pg.open()
      return {
        kind,
        sqlite: undefined,
        pg,
        async run(sql, args) {
          await pg.run(sql, args)
        },
        rows: (sql, args) => pg.rows(sql, args),
        close: () => pg.close(),
      }
    },
  }
}

function sqliteStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), 'care-adapter-'))
  const store = new Store(join(dir, 'care.db'))
  store.open()
  return {
    kind: 'sqlite',
    sqlite: store,
    pg: undefined,
    async run(sql, args = []) {
      store.db.prepare(sql).run(...(args as never[]))
    },
    async rows<R>(sql: string, args: readonly Arg[] = []) {
      return store.db.prepare(sql).all(...(args as never[])) as R[]
    },
    async close() {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
