import type { Window, WorklistName, WorklistPage } from '../../../stats/ports.ts'
import { decodeCursor, encodeCursor } from '../../paging.ts'
import { alarmRow, deviceRow, type Row } from '../../stats/rows.ts'
import { alarmLists, heardAt, silent } from '../../stats/sql.ts'
import type { Arg, Queryable } from '../db.ts'
import { rowsOf } from './named.ts'
import { figures } from './queries.ts'

/**
 * The supervision page's worklists on PostgreSQL, the twin of ../../sqlite/stats/lists.ts: the same
 * lists, totals, order and cursors (docs/stats.md, "Worklists"). The total and the page are read in
 * one snapshot (../stats.ts), so the total always counts the page's rows.
 */
export class WorklistQueries {
  readonly #q: Queryable

  constructor(q: Queryable) {
    this.#q = q
  }

  async page(
    list: WorklistName,
    w: Window,
    limit: number,
    cursor: string | undefined,
  ): Promise<WorklistPage> {
    if (list === 'silent') return this.#silent(w, limit, cursor)
    const where = alarmLists[list]
    if (where === undefined) throw new Error(`no worklist ${String(list)}`)
    return this.#alarms(where, w, limit, cursor)
  }

  /** Newest first, like GET /alarms, with the same kind of cursor. */
  async #alarms(where: string, w: Window, limit: number, cursor: string | undefined): Promise<WorklistPage> {
    const params: Record<string, Arg> = { prefix: w.prefix, from: w.from, to: w.to, now: w.now }
    const filter = `${figures.inWindow} AND ${where}`
    const total = await this.#count(`SELECT count(*) AS n FROM alarms a WHERE ${filter}`, params)
    const after = decodeCursor(cursor)
    const keyset = after ? 'AND (a.raised_at < :at OR (a.raised_at = :at AND a.id < :id))' : ''
    const sql = `SELECT a.*, e.doc::jsonb ->> 'name' AS elder_name
      FROM alarms a LEFT JOIN elders e ON e.id = a.elder_id
      WHERE ${filter} ${keyset}
      ORDER BY a.raised_at DESC, a.id DESC LIMIT :limit`
    const rows = await rowsOf(this.#q, sql, {
      ...params,
      ...(after ? { at: after.at, id: after.id } : {}),
      limit: limit + 1,
    })
    const items = rows.slice(0, limit).map(alarmRow)
    const last = items.at(-1)
    return {
      total,
      items,
      next: rows.length > limit && last ? encodeCursor(last.raisedAt, last.id) : undefined,
    }
  }

  /** docs/stats.md `devices.silent24h`, the longest silent first. */
  async #silent(w: Window, limit: number, cursor: string | undefined): Promise<WorklistPage> {
    const params: Record<string, Arg> = { prefix: w.prefix, now: w.now }
    const filter = `${figures.grid.under('e.grid')} AND ${silent}`
    const total = await this.#count(
      `SELECT count(*) AS n FROM devices d JOIN elders e ON e.id = d.elder_id WHERE ${filter}`,
      params,
    )
    const after = decodeCursor(cursor)
    const keyset = after ? `AND (${heardAt} > :at OR (${heardAt} = :at AND d.id > :id))` : ''
    const sql = `SELECT d.id, d.kind, d.elder_id, d.online, d.last_seen_at, d.created_at, ${heardAt} AS seen,
        e.doc::jsonb ->> 'name' AS elder_name
      FROM devices d JOIN elders e ON e.id = d.elder_id
      WHERE ${filter} ${keyset}
      ORDER BY seen, d.id LIMIT :limit`
    const rows = await rowsOf(this.#q, sql, {
      ...params,
      ...(after ? { at: after.at, id: after.id } : {}),
      limit: limit + 1,
    })
    const items = rows.slice(0, limit).map(deviceRow)
    const last: Row | undefined = rows[Math.min(rows.length, limit) - 1]
    return {
      total,
      items,
      next: rows.length > limit && last ? encodeCursor(Number(last.seen), String(last.id)) : undefined,
    }
  }

  async #count(sql: string, params: Record<string, Arg>): Promise<number> {
    const rows = await rowsOf(this.#q, sql, params)
    return Number(rows[0]?.n ?? 0)
  }
}
