import type { DatabaseSync, StatementSync } from 'node:sqlite'

/**
 * Prepared statements by their text, compiled once per connection: a hot statement (a session's
 * lookup, an import's upsert) is not compiled again on every call.
 */
export class Statements {
  readonly #db: DatabaseSync
  readonly #cache = new Map<string, StatementSync>()

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  get(sql: string): StatementSync {
    let statement = this.#cache.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      this.#cache.set(sql, statement)
    }
    return statement
  }
}
