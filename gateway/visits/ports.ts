import type { Page } from '../../kernel/contract/page.ts'
import type { Day } from './days.ts'
import type { StoredPlan, Visit, VisitKind, VisitStatus } from './model.ts'

export type { Page }

export interface VisitFilter {
  /** A grid key prefix (`gridKey` form): the visits of elders under it. */
  grid?: string | undefined
  elderId?: string | undefined
  carerId?: string | undefined
  stationId?: string | undefined
  status?: readonly VisitStatus[] | undefined
  kind?: readonly VisitKind[] | undefined
  /** Due (or filed) on these days, both included. */
  from?: Day | undefined
  to?: Day | undefined
  limit: number
  cursor?: string | undefined
}

/** The visits, plans and photo references, as the visits domain needs them. */
export interface VisitRepository {
  /** Create or replace a visit, its photo references with it (one transaction). */
  save(visit: Visit): Promise<void>
  get(id: string): Promise<Visit | undefined>
  /** The ledger: latest due day first. */
  list(filter: VisitFilter): Promise<Page<Visit>>
  /** Planned visits not signed in yet (`due`), for their deadlines. */
  due(): Promise<Visit[]>
  /** The elder's planned visits, latest due day first, at most `limit`. */
  plannedOf(elderId: string, limit: number): Promise<Visit[]>
  /**
   * Planned visits a carer may do up to a day: theirs, or their station's with no carer named,
   * not done (`due`, `missed` or `on_site`).
   */
  workOf(carerId: string, stationId: string | undefined, upTo: Day): Promise<Visit[]>
  plan(elderId: string): Promise<StoredPlan | undefined>
  savePlan(plan: StoredPlan): Promise<void>
  /** Elders with a planned visit `due` or `on_site`: the ones whose next visit exists. */
  eldersPlanned(): Promise<Set<string>>
  /** Visits and plans of elders no longer registered (an erasure the process did not see through); their photos. */
  dropOrphans(): Promise<{ visits: number; photos: string[] }>
  /** Photos attached before `before` (retention), with the visits they belong to. */
  photosBefore(before: number, limit: number): Promise<{ visitId: string; photoId: string }[]>
  /** Whether any visit still refers to a photo (a photo is stored once for every visit it is on). */
  photoInUse(photoId: string): Promise<boolean>
}
