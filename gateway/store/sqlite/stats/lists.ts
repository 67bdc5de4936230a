import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import type { Window, WorklistName, WorklistPage } from '../../../stats/ports.ts'
import { decodeCursor, encodeCursor } from '../../paging.ts'
import { alarmRow, deviceRow } from '../../stats/rows.ts'
import { alarmLists, heardAt, silent } from '../../stats/sql.ts'
import { figures } from './queries.ts'

/**
 * The supervision page's worklists, paged in the store so that none is cut short (docs/stats.md,
 * "Worklists"). Each list's `total` is the figure of GET /stats it itemises.
 */

type Row = Record<string, SQLInputValue>

export class WorklistQueries {
  readonly #db: DatabaseSync

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  page(list: WorklistName, w: Window, limit: number, cursor: string | undefined): WorklistPage {
    if (list === 'silent') return this.#silent(w, limit, cursor)
    const where = alarmLists[list]
    if (where === undefined) throw new Error(`no worklist ${String(list)}`)
    return this.#alarms(where, w, limit, cursor)
  }

  /** Newest first, like GET /alarms, with the same kind of cursor. */
  #alarms(where: string, w: Window, limit: number, cursor: string | undefined): WorklistPage {
    const params: Record<string, SQLInputValue> = { prefix: w.prefix, from: w.from, to: w.to, now: w.now }
    const filter = `${figures.inWindow} AND ${where}`
    const total = this.#count(`SELECT count(*) AS n FROM alarms a WHERE ${filter}`, params)
    const after = decodeCursor(cursor)
    const keyset = after ? 'AND (a.raised_at < :at OR (a.raised_at = :at AND a.id < :id))' : ''
    const sql = `SELECT a.*, json_extract(e.doc, '$.name') AS elder_name
      FROM alarms a LEFT JOIN elders e ON e.id = a.elder_id
      WHERE ${filter} ${keyset}
      ORDER BY a.raised_at DESC, a.id DESC LIMIT :limit`
    const rows = this.#prepare(sql).all({
      ...params,
      ...(after ? { at: after.at, id: after.id } : {}),
      limit: limit + 1,
    }) as Row[]
    const items = rows.slice(0, limit).map(alarmRow)
    const last = items.at(-1)
    return {
      total,
      items,
      next: rows.length > limit && last ? encodeCursor(last.raisedAt, last.id) : undefined,
    }
  }

  /** docs/stats.md `devices.silent24h`, the longest silent first. */
  #silent(w: Window, limit: number, cursor: string | undefined): WorklistPage {
    const params: Record<string, SQLInputValue> = { prefix: w.prefix, now: w.now }
    const filter = `${figures.grid.under('e.grid')} AND ${silent}`
    const total = this.#count(
      `SELECT count(*) AS n FROM devices d JOIN elders e ON e.id = d.elder_id WHERE ${filter}`,
      params,
    )
    const after = decodeCursor(cursor)
    const keyset = after ? `AND (${heardAt} > :at OR (${heardAt} = :at AND d.id > :id))` : ''
    const sql = `SELECT d.id, d.kind, d.elder_id, d.online, d.last_seen_at, d.created_at, ${heardAt} AS seen,
        json_extract(e.doc, '$.name') AS elder_name
      FROM devices d JOIN elders e ON e.id = d.elder_id
      WHERE ${filter} ${keyset}
      ORDER BY seen, d.id LIMIT :limit`
    const rows = this.#prepare(sql).all({
      ...params,
      ...(after ? { at: after.at, id: after.id } : {}),
      limit: limit + 1,
    }) as Row[]
    const items = rows.slice(0, limit).map(deviceRow)
    const last = rows[Math.min(rows.length, limit) - 1]
    return {
      total,
      items,
      next: rows.length > limit && last ? encodeCursor(Number(last.seen), String(last.id)) : undefined,
    }
  }

  #count(sql: string, params: Record<string, SQLInputValue>): number {
    const row = this.#prepare(sql).get(params) as Row | undefined
    return Number(row?.n ?? 0)
  }

  /** The lists share one set of parameters; a list that does not use `:now` simply ignores it. */
  #prepare(sql: string) {
    const statement = this.#db.prepare(sql)
    statement.setAllowUnknownNamedParameters(true)
    return statement
  }
}
