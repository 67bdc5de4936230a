import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync, type SQLInputValue } from 'node:sqlite'
import { migrations } from './migrations.ts'

export type Row = Record<string, SQLInputValue>

/**
 * The embedded store: one SQLite file in WAL mode. Each state change runs
 * in one transaction (`tx`), so a crash leaves either all of it or none.
 */
export class Store {
  readonly db: DatabaseSync
  readonly path: string
  /**
   * Transactions of this connection under way or waiting, shared with the telemetry store's
   * thread (store/sqlite/telemetry-worker.ts), which starts no batch while it is above zero: a
   * write of the event loop (an alarm) waits for at most the one batch already being written.
   */
  readonly turns = new Int32Array(new SharedArrayBuffer(4))
  #depth = 0

  constructor(path: string) {
    this.path = path
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new DatabaseSync(path)
  }

  open(): void {
    this.db.exec('PRAGMA journal_mode = WAL')
    // NORMAL in WAL mode is durable across process crashes (SIGKILL); only an OS crash may lose the last commits.
    this.db.exec('PRAGMA synchronous = NORMAL')
    this.db.exec('PRAGMA foreign_keys = ON')
    this.db.exec('PRAGMA busy_timeout = 5000')
    this.#migrate()
  }

  close(): void {
    if (this.db.isOpen) this.db.close()
  }

  get schemaVersion(): number {
    const row = this.db.prepare('PRAGMA user_version').get() as { user_version: number }
    return row.user_version
  }

  /** Run `fn` in one transaction; nested calls join the outer one. */
  tx<T>(fn: () => T): T {
    if (this.#depth > 0) return fn()
    const done = this.holdTurn()
    try {
      this.db.exec('BEGIN IMMEDIATE')
      this.#depth++
      try {
        const result = fn()
        this.db.exec('COMMIT')
        return result
      } catch (error) {
        this.db.exec('ROLLBACK')
        throw error
      } finally {
        this.#depth--
      }
    } finally {
      done()
    }
  }

  /** Asks the other connections of the process to start no write until the returned function is called. */
  holdTurn(): () => void {
    Atomics.add(this.turns, 0, 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      Atomics.sub(this.turns, 0, 1)
      Atomics.notify(this.turns, 0)
    }
  }

  #migrate(): void {
    const from = this.schemaVersion
    for (let v = from; v < migrations.length; v++) {
      this.tx(() => {
        this.db.exec(migrations[v] as string)
        this.db.exec(`PRAGMA user_version = ${v + 1}`)
      })
    }
  }
}
