import { Store } from '../../../gateway/store/db.ts'
import { PgStore } from '../../../gateway/store/postgres/db.ts'
import type { TestStore } from '../stores.ts'

/**
 * A second connection to a test store's database, as a restarted gateway opens it: what it reads
 * is what was committed, not what the first connection holds. Closing it leaves the database.
 */
export async function reconnect(store: TestStore): Promise<TestStore> {
  if (store.sqlite) {
    const other = new Store(store.sqlite.path)
    other.open()
    return {
      kind: store.kind,
      sqlite: other,
      pg: undefined,
      async run(sql, args = []) {
        other.db.prepare(sql).run(...(args as never[]))
      },
      async rows<R>(sql: string, args: readonly unknown[] = []) {
        return other.db.prepare(sql).all(...(args as never[])) as R[]
      },
      async close() {
        other.close()
      },
    }
  }
  const url = store.pg?.pool.options.connectionString
  if (url === undefined) throw new Error(`no ${store.kind} store to connect to again`)
  const other = new PgStore({ url, max: 2 })
  return {
    kind: store.kind,
    sqlite: undefined,
    pg: other,
    async run(sql, args) {
      await other.run(sql, args)
    },
    rows: (sql, args) => other.rows(sql, args),
    close: () => other.close(),
  }
}
