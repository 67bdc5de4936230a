import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync, type SQLInputValue } from 'node:sqlite'
import { migrations } from './migrations.ts'

export type Row = Record<string, SQLInputValue>

/** Indexes into `Store.turns`. */
export const WANT = 0
export const WRITING = 1
/** Longer than any batch takes; past it SQLite's own busy handler waits. */
const THREAD_WAIT_MAX_MS = 1_000

/**
 * The embedded store: one SQLite file in WAL mode. Each state change runs
 * in one transaction (`tx`), so a crash leaves either all of it or none.
 */
export class Store {
  readonly db: DatabaseSync
  readonly path: string
  /**
   * Shared with the telemetry store's thread (store/sqlite/telemetry-worker.ts): `[WANT]` counts
   * this connection's transactions under way or waiting, and the thread starts no write while it
   * is above zero; `[WRITING]` is 1 while the thread writes. A transaction here waits for that
   * write to end on the flag, woken the moment it ends, instead of in SQLite's busy handler, which
   * sleeps a millisecond and more at a time: an alarm waits for at most the one batch being written.
   */
  readonly turns = new Int32Array(new SharedArrayBuffer(8))
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
      this.#waitForThread()
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
    Atomics.add(this.turns, WANT, 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      Atomics.sub(this.turns, WANT, 1)
      Atomics.notify(this.turns, WANT)
    }
  }

  /** The thread's write under way, if any, ends (bounded: a thread that died writing is not waited for). */
  #waitForThread(): void {
    const until = performance.now() + THREAD_WAIT_MAX_MS
    while (Atomics.load(this.turns, WRITING) === 1 && performance.now() < until) {
      Atomics.wait(this.turns, WRITING, 1, 20)
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
