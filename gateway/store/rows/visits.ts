import { gridKey } from '../../registry/schemas.ts'
import { dayNumber } from '../../visits/days.ts'
import type { Visit } from '../../visits/model.ts'
import type { VisitFilter } from '../../visits/ports.ts'
import { Where, type WhereArg } from '../paging.ts'

/**
 * Visits as both stores keep them (SQLite, PostgreSQL): the document whole, and beside it the
 * columns the ledger is filtered and ordered by.
 */

export type Dict = Record<string, unknown>

export const UPSERT_VISIT = `INSERT INTO visits (id, elder_id, kind, status, due_day, day_n, carer_id, station_id,
    grid, risk, signed_in_at, on_site_s, doc, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET status = excluded.status, due_day = excluded.due_day, day_n = excluded.day_n,
    carer_id = excluded.carer_id, station_id = excluded.station_id, grid = excluded.grid, risk = excluded.risk,
    signed_in_at = excluded.signed_in_at, on_site_s = excluded.on_site_s, doc = excluded.doc,
    updated_at = excluded.updated_at`

export function visitValues(v: Visit): WhereArg[] {
  return [
    v.id,
    v.elderId,
    v.kind,
    v.status,
    v.dueDay,
    dayNumber(v.dueDay),
    v.carerId ?? null,
    v.stationId ?? null,
    gridKey(v.grid),
    v.risk,
    v.signIn?.at ?? null,
    v.onSiteS ?? null,
    JSON.stringify(v),
    v.createdAt,
    v.updatedAt,
  ]
}

export const UPSERT_PLAN = `INSERT INTO visit_plans (elder_id, doc, updated_at) VALUES (?, ?, ?)
  ON CONFLICT(elder_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`

/** The `photos` rows of `n` photo references of a visit. */
export function insertPhotos(n: number): string {
  return `INSERT INTO visit_photos (visit_id, photo_id, elder_id, at) VALUES ${Array(n).fill('(?, ?, ?, ?)').join(', ')}`
}

export function photoValues(v: Visit): WhereArg[] {
  return v.photos.flatMap((p) => [v.id, p.id, v.elderId, p.at])
}

/** Planned visits not signed in yet, for their deadlines. */
export const DUE = "SELECT doc FROM visits WHERE status = 'due' AND kind = 'planned' ORDER BY day_n"

/** An elder's planned visits, latest due day first (elder id, limit). */
export const PLANNED_OF = `SELECT doc FROM visits WHERE elder_id = ? AND kind = 'planned'
  ORDER BY day_n DESC, created_at DESC LIMIT ?`

/** Planned visits a carer may do up to a day (day number, carer, station): theirs, or their station's with no carer named. */
export const WORK_OF = `SELECT doc FROM visits WHERE kind = 'planned' AND status IN ('due', 'missed', 'on_site')
  AND day_n <= ? AND (carer_id = ? OR (carer_id IS NULL AND station_id IS NOT NULL AND station_id = ?))
  ORDER BY day_n`

/** Elders whose next planned visit exists. */
export const ELDERS_PLANNED =
  "SELECT DISTINCT elder_id FROM visits WHERE kind = 'planned' AND status IN ('due', 'on_site')"

/** The ledger's page: latest due day first, then by id. */
export function ledgerQuery(f: VisitFilter): { sql: string; args: WhereArg[] } {
  const where = new Where()
  // a grid key ends in its separator (U+001F): the keys under it sort between it and the next code point
  if (f.grid) where.add('grid >= ? AND grid < ?', f.grid, `${f.grid.slice(0, -1)}\u0020`)
  if (f.elderId) where.add('elder_id = ?', f.elderId)
  if (f.carerId) where.add('carer_id = ?', f.carerId)
  if (f.stationId) where.add('station_id = ?', f.stationId)
  if (f.status?.length) where.add(`status IN (${marks(f.status)})`, ...f.status)
  if (f.kind?.length) where.add(`kind IN (${marks(f.kind)})`, ...f.kind)
  if (f.from) where.add('day_n >= ?', dayNumber(f.from))
  if (f.to) where.add('day_n <= ?', dayNumber(f.to))
  where.after(f.cursor, 'day_n', 'id')
  return {
    sql: `SELECT doc, day_n, id FROM visits ${where} ORDER BY day_n DESC, id DESC LIMIT ?`,
    args: [...where.args, f.limit + 1],
  }
}

export function ledgerKey(row: Dict): { at: number; id: string } {
  return { at: Number(row.day_n), id: String(row.id) }
}

export function visitOf(row: Dict): Visit {
  return JSON.parse(String(row.doc)) as Visit
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ')
}
