import pg from 'pg'
import { migrations } from './migrations.ts'

/** A value a statement takes. */
export type Arg = string | number | boolean | null | Buffer | readonly string[] | readonly number[]

/** What runs statements: the pool, or one transaction's client. */
export interface Queryable {
  /** Rows of `sql`, whose parameters are written `?` as in the SQLite adapters. */
  rows<R>(sql: string, args?: readonly Arg[]): Promise<R[]>
  /** The first row, if any. */
  one<R>(sql: string, args?: readonly Arg[]): Promise<R | undefined>
  /** Runs `sql`; the number of rows it touched. */
  run(sql: string, args?: readonly Arg[]): Promise<number>
}

/** The lock number every node takes while it migrates, so nodes starting together migrate once. */
const MIGRATION_LOCK = 0x63617265 // 'care'
const INT8 = 20
const NUMERIC = 1700

/**
 * `?` placeholders as PostgreSQL's `$1, $2…`, skipping quoted text. The adapters write their
 * statements as the SQLite ones are written, so the two read alike.
 */
export function numbered(sql: string): string {
  let out = ''
  let n = 0
  let quote: string | undefined
  let comment = false
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string
    if (comment) {
      if (ch === '\n') comment = false
      out += ch
    } else if (quote) {
      if (ch === quote) quote = undefined
      out += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      out += ch
    } else if (ch === '-' && sql[i + 1] === '-') {
      comment = true
      out += ch
    } else if (ch === '?') {
      out += `$${++n}`
    } else {
      out += ch
    }
  }
  return out
}

const translated = new Map<string, string>()
function translate(sql: string): string {
  let text = translated.get(sql)
  if (text === undefined) {
    text = numbered(sql)
    if (translated.size < 4_096) translated.set(sql, text)
  }
  return text
}

/** Times are milliseconds in `bigint` columns: read back as numbers (exact below 2^53). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value)
    // biome-ignore lint/suspicious/noExplicitAny: pg's own parser table, typed by overload
    return pg.types.getTypeParser(oid, format as any)
  },
} as pg.CustomTypesConfig

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async rows<R>(sql: string, args: readonly Arg[] = []) {
      const result = await client.query({ text: translate(sql), values: args as Arg[], types })
      return result.rows as R[]
    },
    async one<R>(sql: string, args: readonly Arg[] = []) {
      const result = await client.query({ text: translate(sql), values: args as Arg[], types })
      return result.rows[0] as R | undefined
    },
    async run(sql: string, args: readonly Arg[] = []) {
      const result = await client.query({ text: translate(sql), values: args as Arg[], types })
      return result.rowCount ?? 0
    },
  }
}

export interface PgStoreOptions {
  /** `postgres://user:pass@host:port/db` (CARE_DATABASE_URL). */
  url: string
  /** Connections this process keeps at most (default 10). */
  max?: number
}

/**
 * The cluster's store: one PostgreSQL database every gateway process shares. Each state change
 * runs in one transaction (`tx`), committed before anything is acknowledged, as with SQLite.
 */
export class PgStore implements Queryable {
  readonly pool: pg.Pool
  readonly #q: Queryable

  constructor(o: PgStoreOptions) {
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.max ?? 10,
      application_name: 'care-gateway',
      // a server that does not answer (a network split) fails the change instead of holding it
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    })
    // an idle connection the server dropped (a restart, a failover) is replaced, not thrown at the process
    this.pool.on('error', () => {})
    this.#q = queryable(this.pool)
  }

  rows<R>(sql: string, args?: readonly Arg[]): Promise<R[]> {
    return this.#q.rows(sql, args)
  }

  one<R>(sql: string, args?: readonly Arg[]): Promise<R | undefined> {
    return this.#q.one(sql, args)
  }

  run(sql: string, args?: readonly Arg[]): Promise<number> {
    return this.#q.run(sql, args)
  }

  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      try {
        const result = await fn(queryable(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      }
    } finally {
      client.release()
    }
  }

  /** Applies the migrations this database lacks, one transaction each, under a lock every node takes. */
  async open(): Promise<void> {
    const client = await this.pool.connect()
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)')
        const found = await client.query<{ version: number }>('SELECT version FROM schema_version')
        let version = found.rows[0]?.version ?? 0
        if (found.rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)')
        for (; version < migrations.length; version++) {
          await client.query('BEGIN')
          try {
            await client.query(migrations[version] as string)
            await client.query('UPDATE schema_version SET version = $1', [version + 1])
            await client.query('COMMIT')
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {})
            throw error
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
      }
    } finally {
      client.release()
    }
  }

  async schemaVersion(): Promise<number> {
    const row = await this.one<{ version: number }>('SELECT version FROM schema_version')
    return row?.version ?? 0
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
