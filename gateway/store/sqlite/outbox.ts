import type { OutboxAppend, OutboxAppended, OutboxRepository, OutboxRow } from '../../history/ports.ts'
import type { Store } from '../db.ts'
import { Statements } from './statements.ts'

/** The settings row holding history's alarm cursor. */
const CURSOR_KEY = 'history.alarm_cursor'

/**
 * Queues an append's lines and lets the limit drop what it must, on the caller's connection and in
 * the caller's transaction (the outbox's own, or the telemetry batch's).
 */
export function appendOutbox(sql: Statements, append: OutboxAppend): OutboxAppended {
  const insert = sql.get('INSERT INTO history_outbox (cls, line, at) VALUES (?, ?, ?)')
  for (const l of append.lines) insert.run(l.cls, l.line, append.at)
  const dropped: OutboxAppended['dropped'] = []
  let excess = append.excess
  const drop = sql.get(
    `DELETE FROM history_outbox WHERE id IN
       (SELECT id FROM history_outbox WHERE cls = ? AND id > ? ORDER BY id LIMIT ?)`,
  )
  for (const cls of append.dropOrder) {
    if (excess <= 0) break
    const count = Number(drop.run(cls, append.spareThrough, excess).changes)
    if (count === 0) continue
    excess -= count
    dropped.push({ cls, count })
  }
  if (append.cursor !== undefined) advanceCursor(sql, append.cursor)
  return { dropped }
}

function advanceCursor(sql: Statements, at: number): void {
  sql
    .get(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value
       WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
    )
    .run(CURSOR_KEY, String(at))
}

/** The history outbox, the points the TSDB refused, and the alarm cursor, in the SQLite store. */
export class SqliteOutbox implements OutboxRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async counts(): Promise<{ waiting: number; rejected: number }> {
    const count = (table: string) =>
      (this.#sql.get(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    return { waiting: count('history_outbox'), rejected: count('history_rejected') }
  }

  async oldestAt(): Promise<number | undefined> {
    const row = this.#sql.get('SELECT at FROM history_outbox ORDER BY id LIMIT 1').get() as
      | { at: number }
      | undefined
    return row?.at
  }

  async append(append: OutboxAppend): Promise<OutboxAppended> {
    return this.#store.tx(() => appendOutbox(this.#sql, append))
  }

  async take(max: number): Promise<OutboxRow[]> {
    return this.#sql
      .get('SELECT id, cls, line FROM history_outbox ORDER BY id LIMIT ?')
      .all(max) as unknown as OutboxRow[]
  }

  async remove(first: number, last: number): Promise<number> {
    // in a transaction of the store's: the telemetry thread gives way to it (Store.turns)
    return this.#store.tx(() =>
      Number(this.#sql.get('DELETE FROM history_outbox WHERE id BETWEEN ? AND ?').run(first, last).changes),
    )
  }

  async setAside(
    ids: readonly number[],
    status: number | undefined,
    reason: string,
    at: number,
  ): Promise<number> {
    return this.#store.tx(() => {
      const copy = this.#sql.get(
        `INSERT INTO history_rejected (cls, line, at, rejected_at, status, reason)
         SELECT cls, line, at, ?, ?, ? FROM history_outbox WHERE id = ?`,
      )
      const remove = this.#sql.get('DELETE FROM history_outbox WHERE id = ?')
      let moved = 0
      for (const id of ids) {
        copy.run(at, status ?? null, reason.slice(0, 500), id)
        moved += Number(remove.run(id).changes)
      }
      return moved
    })
  }

  async cursor(): Promise<number | undefined> {
    const row = this.#sql.get('SELECT value FROM settings WHERE key = ?').get(CURSOR_KEY) as
      | { value: string }
      | undefined
    return row === undefined ? undefined : Number(row.value)
  }

  async advanceCursor(at: number): Promise<void> {
    advanceCursor(this.#sql, at)
  }
}
