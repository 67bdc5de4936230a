import { dayNumber } from '../../visits/days.ts'
import type { StoredPlan, Visit } from '../../visits/model.ts'
import type { Page, VisitFilter, VisitRepository } from '../../visits/ports.ts'
import { pageOf } from '../paging.ts'
import {
  type Dict,
  DUE,
  ELDERS_PLANNED,
  insertPhotos,
  ledgerKey,
  ledgerQuery,
  PLANNED_OF,
  photoValues,
  UPSERT_PLAN,
  UPSERT_VISIT,
  visitOf,
  visitValues,
  WORK_OF,
} from '../rows/visits.ts'
import type { Arg, PgStore, Queryable } from './db.ts'

/** Visits, plans and photo references in PostgreSQL (cluster mode); a visit and its photo rows in one transaction. */
export class PgVisits implements VisitRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async save(v: Visit): Promise<void> {
    await this.#store.tx(async (q) => {
      await q.run(UPSERT_VISIT, visitValues(v))
      await q.run('DELETE FROM visit_photos WHERE visit_id = ?', [v.id])
      if (v.photos.length > 0) await q.run(insertPhotos(v.photos.length), photoValues(v))
    })
  }

  async get(id: string): Promise<Visit | undefined> {
    const row = await this.#store.one<Dict>('SELECT doc FROM visits WHERE id = ?', [id])
    return row ? visitOf(row) : undefined
  }

  async list(f: VisitFilter): Promise<Page<Visit>> {
    const { sql, args } = ledgerQuery(f)
    return pageOf(await this.#store.rows<Dict>(sql, args), f.limit, visitOf, ledgerKey)
  }

  async due(): Promise<Visit[]> {
    return (await this.#store.rows<Dict>(DUE)).map(visitOf)
  }

  async plannedOf(elderId: string, limit: number): Promise<Visit[]> {
    return (await this.#store.rows<Dict>(PLANNED_OF, [elderId, limit])).map(visitOf)
  }

  async workOf(carerId: string, stationId: string | undefined, upTo: string): Promise<Visit[]> {
    const rows = await this.#store.rows<Dict>(WORK_OF, [dayNumber(upTo), carerId, stationId ?? null])
    return rows.map(visitOf)
  }

  async plan(elderId: string): Promise<StoredPlan | undefined> {
    const row = await this.#store.one<Dict>('SELECT doc FROM visit_plans WHERE elder_id = ?', [elderId])
    return row ? (JSON.parse(String(row.doc)) as StoredPlan) : undefined
  }

  async savePlan(plan: StoredPlan): Promise<void> {
    await this.#store.run(UPSERT_PLAN, [plan.elderId, JSON.stringify(plan), plan.updatedAt])
  }

  async eldersPlanned(): Promise<Set<string>> {
    const rows = await this.#store.rows<Dict>(ELDERS_PLANNED)
    return new Set(rows.map((r) => String(r.elder_id)))
  }

  async dropOrphans(): Promise<{ visits: number; photos: string[] }> {
    return this.#store.tx((q) => dropVisits(q, 'elder_id NOT IN (SELECT id FROM elders)', []))
  }

  async photosBefore(before: number, limit: number): Promise<{ visitId: string; photoId: string }[]> {
    const rows = await this.#store.rows<Dict>(
      'SELECT visit_id, photo_id FROM visit_photos WHERE at < ? ORDER BY at LIMIT ?',
      [before, limit],
    )
    return rows.map((r) => ({ visitId: String(r.visit_id), photoId: String(r.photo_id) }))
  }

  async photoInUse(photoId: string): Promise<boolean> {
    const row = await this.#store.one('SELECT 1 FROM visit_photos WHERE photo_id = ? LIMIT 1', [photoId])
    return row !== undefined
  }
}

/**
 * Deletes the visits, plans and photo references of the elders `condition` names, inside the
 * caller's transaction; answers how many visits went and the photos no visit refers to any more.
 */
export async function dropVisits(
  q: Queryable,
  condition: string,
  args: readonly Arg[],
): Promise<{ visits: number; photos: string[] }> {
  const theirs = await q.rows<{ photo_id: string }>(
    `SELECT DISTINCT photo_id FROM visit_photos WHERE ${condition} ORDER BY photo_id`,
    args,
  )
  await q.run(`DELETE FROM visit_photos WHERE ${condition}`, args)
  await q.run(`DELETE FROM visit_plans WHERE ${condition}`, args)
  const visits = await q.run(`DELETE FROM visits WHERE ${condition}`, args)
  if (theirs.length === 0) return { visits, photos: [] }
  const used = await q.rows<{ photo_id: string }>(
    'SELECT DISTINCT photo_id FROM visit_photos WHERE photo_id IN (SELECT jsonb_array_elements_text(?::jsonb))',
    [JSON.stringify(theirs.map((r) => r.photo_id))],
  )
  const kept = new Set(used.map((r) => r.photo_id))
  return { visits, photos: theirs.map((r) => r.photo_id).filter((id) => !kept.has(id)) }
}
