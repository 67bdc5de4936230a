import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
import type { Outcome } from '../../../../kernel/contract/payloads.ts'
import type { AlarmKind, AlarmState, Priority } from '../../../alarms/model.ts'
import {
  type AlarmRow,
  type DeviceRow,
  SILENT_MS,
  type Window,
  type WorklistName,
  type WorklistPage,
} from '../../../stats/ports.ts'
import { decodeCursor, encodeCursor } from '../paging.ts'
import { due, inWindow, lateOrNotReached, rated } from './queries.ts'

/**
 * The supervision page's worklists, paged in the store so that none is cut short (docs/stats.md,
 * "Worklists"). Each list's `total` is the figure of GET /stats it itemises.
 */

/** Which of the window's alarms each alarm list holds (docs/stats.md). */
const alarmLists: Record<Exclude<WorklistName, 'silent'>, string> = {
  // due a visit and not reached within 15 minutes: GET /stats onTime.of − onTime.count
  late: `${due} AND ${lateOrNotReached}`,
  // GET /stats flaggedArrivals.count
  flagged: 'a.arrival_flagged = 1',
  // GET /stats ratings.unrated: the call-back worklist
  unrated: `a.state IN ('resolved', 'cancelled') AND NOT ${rated}`,
}

type Row = Record<string, SQLInputValue>

const num = (v: SQLInputValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined)
const text = (v: SQLInputValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined)

function alarmRow(r: Row): AlarmRow {
  const row: AlarmRow = {
    id: String(r.id),
    kind: r.kind as AlarmKind,
    priority: Number(r.priority) as Priority,
    state: r.state as AlarmState,
    raisedAt: Number(r.raised_at),
    elderId: String(r.elder_id),
  }
  const optional = {
    elderName: text(r.elder_name),
    carerId: text(r.carer_id),
    acceptedAt: num(r.accepted_at),
    arrivedAt: num(r.arrived_at),
    outcome: text(r.outcome) as Outcome | undefined,
    arrivalDistanceM: num(r.arrival_distance_m),
  }
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(row, { [k]: v })
  return row
}

function deviceRow(r: Row): DeviceRow {
  const row: DeviceRow = {
    id: String(r.id),
    kind: String(r.kind),
    elderId: String(r.elder_id),
    online: r.online === 1,
    createdAt: Number(r.created_at),
  }
  const name = text(r.elder_name)
  if (name !== undefined) row.elderName = name
  const seen = num(r.last_seen_at)
  if (seen !== undefined) row.lastSeenAt = seen
  return row
}

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
    const filter = `${inWindow} AND ${where}`
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
    const filter = `substr(e.grid, 1, length(:prefix)) = :prefix
      AND coalesce(d.last_seen_at, d.created_at) < :now - ${SILENT_MS}`
    const total = this.#count(
      `SELECT count(*) AS n FROM devices d JOIN elders e ON e.id = d.elder_id WHERE ${filter}`,
      params,
    )
    const after = decodeCursor(cursor)
    const seen = 'coalesce(d.last_seen_at, d.created_at)'
    const keyset = after ? `AND (${seen} > :at OR (${seen} = :at AND d.id > :id))` : ''
    const sql = `SELECT d.id, d.kind, d.elder_id, d.online, d.last_seen_at, d.created_at, ${seen} AS seen,
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
