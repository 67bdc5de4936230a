import type { OutboxAppend, OutboxAppended, OutboxRepository, OutboxRow } from '../../history/ports.ts'
import type { PointClass } from '../../history/schema.ts'
import type { PgStore, Queryable } from './db.ts'

/** The settings row holding history's alarm cursor. */
const CURSOR_KEY = 'history.alarm_cursor'

/**
 * Queues an append's lines and lets the limit drop what it must, in the caller's transaction (the
 * outbox's own, or the telemetry batch's). The lines go in one statement, their ids in their order.
 */
export async function appendOutbox(q: Queryable, append: OutboxAppend): Promise<OutboxAppended> {
  if (append.lines.length > 0) {
    await q.run(
      `INSERT INTO history_outbox (cls, line, at)
       SELECT l.e->>'cls', l.e->>'line', ?::bigint
       FROM json_array_elements(?::json) WITH ORDINALITY AS l(e, n) ORDER BY l.n`,
      [append.at, JSON.stringify(append.lines.map((l) => ({ cls: l.cls, line: l.line })))],
    )
  }
  const dropped: OutboxAppended['dropped'] = []
  let excess = append.excess
  for (const cls of append.dropOrder) {
    if (excess <= 0) break
    const count = await q.run(
      `DELETE FROM history_outbox WHERE id IN
         (SELECT id FROM history_outbox WHERE cls = ? AND id > ? ORDER BY id LIMIT ?)`,
      [cls, append.spareThrough, excess],
    )
    if (count === 0) continue
    excess -= count
    dropped.push({ cls, count })
  }
  if (append.cursor !== undefined) await advanceCursor(q, append.cursor)
  return { dropped }
}

async function advanceCursor(q: Queryable, at: number): Promise<void> {
  await q.run(
    `INSERT INTO settings (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value
     WHERE CAST(settings.value AS bigint) < CAST(excluded.value AS bigint)`,
    [CURSOR_KEY, String(at)],
  )
}

/** Ids as one PostgreSQL array literal (integers only, nothing to quote). */
function idArray(ids: Iterable<number>): string {
  return `{${[...ids].join(',')}}`
}

/**
 * The history outbox, the points the TSDB refused, and the alarm cursor, on PostgreSQL.
 *
 * Ids are not given in commit order: while `take` sees ids 1…10 committed, id 7 may belong to a
 * transaction still under way. So this adapter remembers the ids it handed out, and `remove`
 * deletes only those within its range: a row committed later inside the range waits for the next
 * take instead of going unsent.
 */
export class PgOutbox implements OutboxRepository {
  readonly #store: PgStore
  /** Ids handed out by `take` and not yet removed or set aside. */
  readonly #taken = new Set<number>()

  constructor(store: PgStore) {
    this.#store = store
  }

  async counts(): Promise<{ waiting: number; rejected: number }> {
    const row = await this.#store.one<{ waiting: number; rejected: number }>(
      `SELECT (SELECT count(*) FROM history_outbox) AS waiting,
         (SELECT count(*) FROM history_rejected) AS rejected`,
    )
    return { waiting: row?.waiting ?? 0, rejected: row?.rejected ?? 0 }
  }

  async oldestAt(): Promise<number | undefined> {
    const row = await this.#store.one<{ at: number }>('SELECT at FROM history_outbox ORDER BY id LIMIT 1')
    return row?.at
  }

  append(append: OutboxAppend): Promise<OutboxAppended> {
    return this.#store.tx((q) => appendOutbox(q, append))
  }

  async take(max: number): Promise<OutboxRow[]> {
    const rows = await this.#store.rows<{ id: number; cls: PointClass; line: string }>(
      'SELECT id, cls, line FROM history_outbox ORDER BY id LIMIT ?',
      [max],
    )
    // an id handed out before and below the oldest waiting one now is gone (written, dropped or erased)
    const oldest = rows[0]?.id ?? Number.POSITIVE_INFINITY
    for (const id of this.#taken) if (id < oldest) this.#taken.delete(id)
    for (const r of rows) this.#taken.add(r.id)
    return rows.map((r) => ({ id: r.id, cls: r.cls, line: r.line }))
  }

  async remove(first: number, last: number): Promise<number> {
    const ids = [...this.#taken].filter((id) => id >= first && id <= last)
    if (ids.length === 0) return 0
    const removed = await this.#store.run('DELETE FROM history_outbox WHERE id = ANY (?::bigint[])', [
      idArray(ids),
    ])
    for (const id of ids) this.#taken.delete(id)
    return removed
  }

  /** One statement: the rows deleted are the rows copied, whatever another gateway does meanwhile. */
  async setAside(
    ids: readonly number[],
    status: number | undefined,
    reason: string,
    at: number,
  ): Promise<number> {
    if (ids.length === 0) return 0
    const moved = await this.#store.run(
      `WITH gone AS (DELETE FROM history_outbox WHERE id = ANY (?::bigint[]) RETURNING id, cls, line, at)
       INSERT INTO history_rejected (cls, line, at, rejected_at, status, reason)
       SELECT cls, line, at, ?::bigint, ?::integer, ?::text FROM gone ORDER BY id`,
      [idArray(ids), at, status ?? null, reason.slice(0, 500)],
    )
    for (const id of ids) this.#taken.delete(id)
    return moved
  }

  async cursor(): Promise<number | undefined> {
    const row = await this.#store.one<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      CURSOR_KEY,
    ])
    return row === undefined ? undefined : Number(row.value)
  }

  advanceCursor(at: number): Promise<void> {
    return advanceCursor(this.#store, at)
  }
}
