import { gridKey } from '../../registry/schemas.ts'
import { dayNumber } from '../../visits/days.ts'
import type { StoredPlan, Visit } from '../../visits/model.ts'
import type { Page, VisitFilter, VisitRepository } from '../../visits/ports.ts'
import type { Store } from '../db.ts'
import { pageOf, Where } from './paging.ts'
import { Statements } from './statements.ts'

type Dict = Record<string, unknown>

const UPSERT = `INSERT INTO visits (id, elder_id, kind, status, due_day, day_n, carer_id, station_id, grid, risk,
    signed_in_at, on_site_s, doc, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET status = excluded.status, due_day = excluded.due_day, day_n = excluded.day_n,
    carer_id = excluded.carer_id, station_id = excluded.station_id, grid = excluded.grid, risk = excluded.risk,
    signed_in_at = excluded.signed_in_at, on_site_s = excluded.on_site_s, doc = excluded.doc,
    updated_at = excluded.updated_at`

/** Visits, plans and photo references in the SQLite store; a visit and its photo rows in one transaction. */
export class SqliteVisits implements VisitRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async save(v: Visit): Promise<void> {
    this.#store.tx(() => {
      this.#sql
        .get(UPSERT)
        .run(
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
        )
      this.#sql.get('DELETE FROM visit_photos WHERE visit_id = ?').run(v.id)
      const insert = this.#sql.get(
        'INSERT INTO visit_photos (visit_id, photo_id, elder_id, at) VALUES (?, ?, ?, ?)',
      )
      for (const p of v.photos) insert.run(v.id, p.id, v.elderId, p.at)
    })
  }

  async get(id: string): Promise<Visit | undefined> {
    const row = this.#sql.get('SELECT doc FROM visits WHERE id = ?').get(id) as Dict | undefined
    return row ? visitOf(row) : undefined
  }

  async list(f: VisitFilter): Promise<Page<Visit>> {
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
    const rows = this.#store.db
      .prepare(`SELECT doc, day_n, id FROM visits ${where} ORDER BY day_n DESC, id DESC LIMIT ?`)
      .all(...where.args, f.limit + 1) as Dict[]
    return pageOf(rows, f.limit, visitOf, (r) => ({ at: Number(r.day_n), id: String(r.id) }))
  }

  async due(): Promise<Visit[]> {
    const rows = this.#sql
      .get("SELECT doc FROM visits WHERE status = 'due' AND kind = 'planned' ORDER BY day_n")
      .all() as Dict[]
    return rows.map(visitOf)
  }

  async plannedOf(elderId: string, limit: number): Promise<Visit[]> {
    const rows = this.#sql
      .get(
        "SELECT doc FROM visits WHERE elder_id = ? AND kind = 'planned' ORDER BY day_n DESC, created_at DESC LIMIT ?",
      )
      .all(elderId, limit) as Dict[]
    return rows.map(visitOf)
  }

  async workOf(carerId: string, stationId: string | undefined, upTo: string): Promise<Visit[]> {
    const rows = this.#sql
      .get(
        `SELECT doc FROM visits WHERE kind = 'planned' AND status IN ('due', 'missed', 'on_site') AND day_n <= ?
          AND (carer_id = ? OR (carer_id IS NULL AND station_id IS NOT NULL AND station_id = ?))
          ORDER BY day_n`,
      )
      .all(dayNumber(upTo), carerId, stationId ?? null) as Dict[]
    return rows.map(visitOf)
  }

  async plan(elderId: string): Promise<StoredPlan | undefined> {
    const row = this.#sql.get('SELECT doc FROM visit_plans WHERE elder_id = ?').get(elderId) as
      | Dict
      | undefined
    return row ? (JSON.parse(String(row.doc)) as StoredPlan) : undefined
  }

  async savePlan(plan: StoredPlan): Promise<void> {
    this.#store.tx(() => {
      this.#sql
        .get(
          `INSERT INTO visit_plans (elder_id, doc, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(elder_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
        )
        .run(plan.elderId, JSON.stringify(plan), plan.updatedAt)
    })
  }

  async eldersPlanned(): Promise<Set<string>> {
    const rows = this.#sql
      .get("SELECT DISTINCT elder_id FROM visits WHERE kind = 'planned' AND status IN ('due', 'on_site')")
      .all() as Dict[]
    return new Set(rows.map((r) => String(r.elder_id)))
  }

  async dropOrphans(): Promise<{ visits: number; photos: string[] }> {
    return this.#store.tx(() => {
      const db = this.#store.db
      const gone = 'elder_id NOT IN (SELECT id FROM elders)'
      const candidates = (
        db.prepare(`SELECT DISTINCT photo_id FROM visit_photos WHERE ${gone}`).all() as Dict[]
      ).map((r) => String(r.photo_id))
      db.prepare(`DELETE FROM visit_photos WHERE ${gone}`).run()
      db.prepare(`DELETE FROM visit_plans WHERE ${gone}`).run()
      const visits = Number(db.prepare(`DELETE FROM visits WHERE ${gone}`).run().changes)
      const used = db.prepare('SELECT 1 FROM visit_photos WHERE photo_id = ? LIMIT 1')
      return { visits, photos: candidates.filter((id) => used.get(id) === undefined) }
    })
  }

  async photosBefore(before: number, limit: number): Promise<{ visitId: string; photoId: string }[]> {
    const rows = this.#sql
      .get('SELECT visit_id, photo_id FROM visit_photos WHERE at < ? ORDER BY at LIMIT ?')
      .all(before, limit) as Dict[]
    return rows.map((r) => ({ visitId: String(r.visit_id), photoId: String(r.photo_id) }))
  }

  async photoInUse(photoId: string): Promise<boolean> {
    return this.#sql.get('SELECT 1 FROM visit_photos WHERE photo_id = ? LIMIT 1').get(photoId) !== undefined
  }
}

function visitOf(row: Dict): Visit {
  return JSON.parse(String(row.doc)) as Visit
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ')
}
