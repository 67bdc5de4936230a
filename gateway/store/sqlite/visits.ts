import { dayNumber } from '../../visits/days.ts'
import type { StoredPlan, Visit } from '../../visits/model.ts'
import type { Page, VisitFilter, VisitRepository } from '../../visits/ports.ts'
import type { Store } from '../db.ts'
import { pageOf } from '../paging.ts'
import {
  type Dict,
  DUE,
  ELDERS_PLANNED,
  insertPhotos,
  ledgerKey,
  ledgerQuery,
  PLANNED_OF,
  UPSERT_PLAN,
  UPSERT_VISIT,
  visitOf,
  visitValues,
  WORK_OF,
} from '../rows/visits.ts'
import { Statements } from './statements.ts'

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
      this.#sql.get(UPSERT_VISIT).run(...visitValues(v))
      this.#sql.get('DELETE FROM visit_photos WHERE visit_id = ?').run(v.id)
      const insert = this.#sql.get(insertPhotos(1))
      for (const p of v.photos) insert.run(v.id, p.id, v.elderId, p.at)
    })
  }

  async get(id: string): Promise<Visit | undefined> {
    const row = this.#sql.get('SELECT doc FROM visits WHERE id = ?').get(id) as Dict | undefined
    return row ? visitOf(row) : undefined
  }

  async list(f: VisitFilter): Promise<Page<Visit>> {
    const { sql, args } = ledgerQuery(f)
    const rows = this.#store.db.prepare(sql).all(...args) as Dict[]
    return pageOf(rows, f.limit, visitOf, ledgerKey)
  }

  async due(): Promise<Visit[]> {
    return (this.#sql.get(DUE).all() as Dict[]).map(visitOf)
  }

  async plannedOf(elderId: string, limit: number): Promise<Visit[]> {
    return (this.#sql.get(PLANNED_OF).all(elderId, limit) as Dict[]).map(visitOf)
  }

  async workOf(carerId: string, stationId: string | undefined, upTo: string): Promise<Visit[]> {
    const rows = this.#sql.get(WORK_OF).all(dayNumber(upTo), carerId, stationId ?? null) as Dict[]
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
      this.#sql.get(UPSERT_PLAN).run(plan.elderId, JSON.stringify(plan), plan.updatedAt)
    })
  }

  async eldersPlanned(): Promise<Set<string>> {
    const rows = this.#sql.get(ELDERS_PLANNED).all() as Dict[]
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
