import { randomBytes } from 'node:crypto'
import type { AuditTrail } from '../../kernel/observe/audit.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import { timeStamp } from '../../kernel/ports/ids.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { RaiseInput, RaiseResult } from '../alarms/lifecycle.ts'
import { KeyedQueue } from '../alarms/queue.ts'
import type { Result } from '../alarms/result.ts'
import { distanceM } from '../dispatch/geo.ts'
import { type Carer, type Elder, gridKey } from '../registry/schemas.ts'
import { addDays, type Day, dayAt, dayNumber } from './days.ts'
import { VisitError } from './errors.ts'
import type {
  PhotoRef,
  Presence,
  ReportBody,
  SignInBody,
  SignOutBody,
  StoredPlan,
  Visit,
  VisitChange,
  VisitFlag,
  VisitPlanBody,
  VisitReport,
} from './model.ts'
import { cleanImage } from './photos/image.ts'
import type { PhotoStore } from './photos/store.ts'
import { type Cadence, missedAt, nextDue, type VisitPlan } from './plan.ts'
import type { Page, VisitFilter, VisitRepository } from './ports.ts'

export interface VisitSettings {
  /** The zone the elders' days are counted in. */
  timeZone: string
  cadence: Cadence
  /** After the end of the due day, how long before a visit not signed in counts as missed. */
  graceMs: number
  /** contract (arrival): farther than this from the home is flagged. */
  flagDistanceM: number
  /** A carer's own fix older than this does not count for a sign-in (a fix in the request does). */
  fixMaxAgeMs: number
  photoMaxBytes: number
  maxPhotos: number
  /** Days within which a follow-up visit comes after an alarm or a noted need, by risk grade. */
  followUpDays: Cadence
}

export const defaultVisitSettings: Omit<VisitSettings, 'timeZone' | 'cadence'> = {
  followUpDays: { high: 1, medium: 3, low: 7, safe: 14 },
  graceMs: 2 * 3_600_000,
  flagDistanceM: 200,
  fixMaxAgeMs: 5 * 60_000,
  photoMaxBytes: 2 * 1024 * 1024,
  maxPhotos: 4,
}

export interface VisitsDeps {
  repo: VisitRepository
  photos: PhotoStore
  elder(id: string): Elder | undefined
  elders(): Iterable<Elder>
  carer(id: string): Carer | undefined
  station(id: string): Promise<unknown>
  /** The carer's last fix, as the carer book holds it. */
  carerFix(id: string): { lat: number; lon: number; at: number } | undefined
  raise(input: RaiseInput): Promise<Result<RaiseResult>>
  escalate(alarmId: string, actor: string, note: string): Promise<unknown>
  scheduler: Scheduler
  clock: Clock
  log: Logger
  metrics: Metrics
  audit: AuditTrail
  settings: VisitSettings
  /** New visit ids; sortable by time by default. */
  newId?: ((at: number) => string) | undefined
}

/** A visit on a carer's list: with the elder's card and how far the carer is from the door. */
export interface CarerVisit extends Visit {
  overdue: boolean
  distanceM?: number
  elder: { id: string; name: string; phone?: string; address?: string; lat: number; lon: number }
}

/**
 * Care between emergencies (docs/visits.md): every elder has one planned visit ahead, due on a day
 * set by their risk grade's cadence. The carer signs in at the door (position against the home,
 * photo), reports and signs out; the next visit is then planned from the day it was done. A visit
 * not signed in by the end of its due day plus the grace is missed — a `visit_missed` alarm for the
 * centre, at a higher priority for a high-risk elder missed twice in a row — and the next one is
 * planned a cadence on. Work on one elder's visits runs one at a time.
 */
export class Visits {
  readonly #d: VisitsDeps
  readonly #queue = new KeyedQueue()
  readonly #newId: (at: number) => string
  /** Elders changed and not yet re-planned (`elderChanged`), in the order they came. */
  readonly #changed: { elder: Elder; resolve: () => void; reject: (error: unknown) => void }[] = []
  #draining = false

  constructor(deps: VisitsDeps) {
    this.#d = deps
    this.#newId = deps.newId ?? visitId
  }

  get settings(): VisitSettings {
    return this.#d.settings
  }

  today(): Day {
    return dayAt(this.#d.clock.now(), this.#d.settings.timeZone)
  }

  // ---- start and the registry's changes --------------------------------------------------------

  /** Visits of elders gone are dropped, every due visit's deadline armed, every elder given a next visit. */
  async start(
    only: (elderId: string) => boolean = () => true,
  ): Promise<{ armed: number; planned: number; dropped: number }> {
    const { repo } = this.#d
    const orphans = await repo.dropOrphans()
    await this.#removePhotos(orphans.photos)
    const due = await repo.due()
    for (const visit of due) this.#arm(visit)
    const planned = await repo.eldersPlanned()
    let made = 0
    let turn = performance.now()
    for (const elder of [...this.#d.elders()]) {
      // cluster mode: each node plans the elders of its own lanes
      if (planned.has(elder.id) || !only(elder.id)) continue
      // re-checked in the elder's queue: an elder changed meanwhile (a PUT) may have been planned already
      await this.#queue.run(elder.id, () => this.#replan(elder))
      made++
      // thousands of elders at a first start: the broker and the alarms run between turns
      if (performance.now() - turn > TURN_BUDGET_MS) {
        await new Promise((r) => setImmediate(r))
        turn = performance.now()
      }
    }
    return { armed: due.length, planned: made, dropped: orphans.visits }
  }

  /** An elder created or changed: a new elder gets a visit; a new risk grade re-plans the one ahead. */
  elderChanged(elder: Elder): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#changed.push({ elder, resolve, reject })
      if (this.#draining) return
      this.#draining = true
      queueMicrotask(() => void this.#drain())
    })
  }

  /**
   * The elders changed, one after another, within a budget of the event loop's time per turn: an
   * import of ten thousand elders plans their visits between the alarms, not in one long stall.
   */
  async #drain(): Promise<void> {
    const until = performance.now() + TURN_BUDGET_MS
    for (let next = this.#changed.shift(); next; next = this.#changed.shift()) {
      const { elder, resolve, reject } = next
      await this.#queue.run(elder.id, () => this.#replan(elder)).then(resolve, reject)
      if (performance.now() > until && this.#changed.length > 0) {
        setImmediate(() => void this.#drain())
        return
      }
    }
    this.#draining = false
  }

  async #replan(elder: Elder): Promise<void> {
    const ahead = await this.#ahead(elder.id)
    if (!ahead) {
      await this.#planNext(elder)
      return
    }
    const riskChanged = ahead.risk !== elder.risk
    if (ahead.status !== 'due' || (!riskChanged && gridKey(ahead.grid) === gridKey(elder.grid))) return
    ahead.grid = elder.grid ?? []
    ahead.risk = elder.risk
    if (riskChanged && !pinned(ahead)) ahead.dueDay = await this.#dueDay(elder, ahead)
    await this.#save(ahead)
    this.#arm(ahead)
  }

  /** The elder was erased: their visits went in the erasure's transaction, their photos go now. */
  async elderErased(elderId: string, photos: readonly string[]): Promise<void> {
    await this.#queue.run(elderId, () => this.#removePhotos(photos))
  }

  // ---- plans -------------------------------------------------------------------------------------

  async plan(elderId: string): Promise<StoredPlan> {
    this.#elder(elderId)
    return (await this.#d.repo.plan(elderId)) ?? { elderId, updatedAt: 0 }
  }

  /** Who visits and on which weekdays; the visit ahead follows at once (unless moved by hand). */
  async putPlan(elderId: string, body: VisitPlanBody): Promise<StoredPlan> {
    const elder = this.#elder(elderId)
    return this.#queue.run(elderId, async () => {
      await this.#checkAssignees(body.carerId, body.stationId)
      const plan: StoredPlan = { ...body, elderId, updatedAt: this.#d.clock.now() }
      await this.#d.repo.savePlan(plan)
      const ahead = await this.#ahead(elderId)
      if (ahead?.status === 'due') {
        Object.assign(ahead, this.#assignees(plan))
        if (!plan.carerId) delete ahead.carerId
        if (!ahead.stationId) delete ahead.stationId
        if (!pinned(ahead)) ahead.dueDay = await this.#dueDay(elder, ahead, plan)
        await this.#save(ahead)
        this.#arm(ahead)
      } else if (!ahead) await this.#planNext(elder)
      return plan
    })
  }

  // ---- reads -------------------------------------------------------------------------------------

  get(id: string): Promise<Visit | undefined> {
    return this.#d.repo.get(id)
  }

  list(filter: VisitFilter): Promise<Page<Visit>> {
    return this.#d.repo.list(filter)
  }

  /** A carer's visits: today's and overdue ones, theirs or their station's, nearest first. */
  async forCarer(carerId: string): Promise<CarerVisit[]> {
    const carer = this.#d.carer(carerId)
    if (!carer) throw new VisitError('UNKNOWN_CARER', `no carer ${carerId}`)
    const today = this.today()
    const fix = this.#d.carerFix(carerId) ?? carer.base
    const out: CarerVisit[] = []
    for (const v of await this.#d.repo.workOf(carerId, carer.stationId, today)) {
      const elder = this.#d.elder(v.elderId)
      if (!elder) continue
      const card: CarerVisit['elder'] = { id: elder.id, name: elder.name, ...elder.home }
      if (elder.phone) card.phone = elder.phone
      if (elder.address) card.address = elder.address
      const item: CarerVisit = { ...v, overdue: v.status === 'missed' || v.dueDay < today, elder: card }
      if (fix) item.distanceM = Math.round(distanceM(fix, elder.home))
      out.push(item)
    }
    // the one being done first, then nearest (without a position: the oldest first)
    return out.sort(
      (a, b) =>
        Number(b.status === 'on_site') - Number(a.status === 'on_site') ||
        (a.distanceM ?? 0) - (b.distanceM ?? 0) ||
        a.dueDay.localeCompare(b.dueDay),
    )
  }

  async photo(visitId: string, photoId: string): Promise<{ bytes: Buffer; type: PhotoRef['type'] }> {
    const visit = await this.#visit(visitId)
    if (!visit.photos.some((p) => p.id === photoId))
      throw new VisitError('PHOTO_NOT_FOUND', `visit ${visitId} has no photo ${photoId}`)
    const found = await this.#d.photos.get(photoId)
    if (!found) throw new VisitError('PHOTO_NOT_FOUND', `photo ${photoId} is no longer kept`)
    return found
  }

  // ---- the centre ---------------------------------------------------------------------------------

  /** The centre moves a visit not yet signed in to another day, or gives it to another carer or station. */
  async change(id: string, change: VisitChange): Promise<Visit> {
    const found = await this.#visit(id)
    return this.#queue.run(found.elderId, async () => {
      const visit = await this.#visit(id)
      if (visit.kind !== 'planned' || (visit.status !== 'due' && visit.status !== 'missed'))
        throw new VisitError('VISIT_CLOSED', `visit ${id} is ${visit.status}`)
      await this.#checkAssignees(change.carerId ?? undefined, change.stationId ?? undefined)
      if (change.dueDay !== undefined) {
        if (visit.status !== 'due') throw new VisitError('VISIT_CLOSED', `visit ${id} was missed`)
        dayNumber(change.dueDay)
        if (change.dueDay < this.today())
          throw new VisitError('DAY_IN_PAST', `dueDay: ${change.dueDay} is before today`)
        visit.dueDay = change.dueDay
        visit.moved = true
      }
      if (change.carerId === null) delete visit.carerId
      else if (change.carerId !== undefined) {
        visit.carerId = change.carerId
        const station = this.#d.carer(change.carerId)?.stationId
        if (station && change.stationId === undefined) visit.stationId = station
      }
      if (change.stationId === null) delete visit.stationId
      else if (change.stationId !== undefined) visit.stationId = change.stationId
      await this.#save(visit)
      if (visit.status === 'due') this.#arm(visit)
      return visit
    })
  }

  // ---- the carer ----------------------------------------------------------------------------------

  /** A photo for the visit (JPEG, PNG or WebP by its bytes), its metadata stripped, stored by content. */
  async addPhoto(id: string, carerId: string, bytes: Buffer): Promise<PhotoRef> {
    const { settings, photos, metrics, log } = this.#d
    if (bytes.length > settings.photoMaxBytes) {
      metrics.inc('care_visit_photos_refused_total', { reason: 'too_large' })
      throw new VisitError('PHOTO_TOO_LARGE', `a photo may be at most ${settings.photoMaxBytes} bytes`)
    }
    const clean = cleanImage(bytes)
    if (!clean.ok) {
      metrics.inc('care_visit_photos_refused_total', { reason: clean.code.toLowerCase() })
      throw new VisitError(clean.code === 'NOT_AN_IMAGE' ? 'PHOTO_NOT_IMAGE' : 'PHOTO_DAMAGED', clean.message)
    }
    const found = await this.#visit(id)
    return this.#queue.run(found.elderId, async () => {
      const visit = await this.#visit(id)
      this.#mayAct(visit, carerId)
      if (visit.status === 'done') throw new VisitError('VISIT_CLOSED', `visit ${id} is done`)
      if (visit.photos.length >= settings.maxPhotos)
        throw new VisitError('TOO_MANY_PHOTOS', `a visit keeps at most ${settings.maxPhotos} photos`)
      const stored = await photos.put(clean.bytes, clean.type)
      const ref: PhotoRef = { id: stored.hash, type: stored.type, size: stored.size, at: this.#d.clock.now() }
      if (!visit.photos.some((p) => p.id === ref.id)) visit.photos.push(ref)
      await this.#save(visit)
      metrics.inc('care_visit_photos_total', { type: clean.type })
      if (clean.removed.length > 0)
        log.info({ visitId: id, removed: clean.removed }, 'photo metadata removed')
      return ref
    })
  }

  /** At the door: where the carer is (flagged when far or unknown) and the photo taken. */
  async signIn(id: string, carerId: string, body: SignInBody): Promise<Visit> {
    const found = await this.#visit(id)
    return this.#queue.run(found.elderId, async () => {
      const visit = await this.#visit(id)
      this.#mayAct(visit, carerId)
      if (visit.status === 'on_site') throw new VisitError('VISIT_SIGNED_IN', `visit ${id} is signed in`)
      if (visit.status === 'done') throw new VisitError('VISIT_CLOSED', `visit ${id} is done`)
      if (body.photo !== undefined && !visit.photos.some((p) => p.id === body.photo))
        throw new VisitError('UNKNOWN_PHOTO', `photo: ${body.photo} was not uploaded to visit ${id}`)
      const elder = this.#elder(visit.elderId)
      const presence = this.#presence(carerId, body, elder)
      const flags = new Set<VisitFlag>(visit.flags)
      if (presence.distanceM === undefined) flags.add('no_fix')
      else if (presence.distanceM > this.#d.settings.flagDistanceM) flags.add('far')
      if (visit.photos.length === 0) flags.add('no_photo')
      if (dayAt(presence.at, this.#d.settings.timeZone) > visit.dueDay) flags.add('late')
      visit.signIn = presence
      visit.flags = [...flags]
      visit.status = 'on_site'
      visit.carerId = carerId
      const station = this.#d.carer(carerId)?.stationId
      if (station) visit.stationId = station
      this.#d.scheduler.cancel(deadlineKey(id))
      await this.#save(visit)
      this.#d.metrics.inc('care_visits_signed_in_total', { flagged: String(flags.size > 0) })
      return visit
    })
  }

  /** Leaving: the report, the time on site; "needs help now" opens an alarm; the next visit is planned. */
  async signOut(id: string, carerId: string, body: SignOutBody): Promise<Visit> {
    const found = await this.#visit(id)
    return this.#queue.run(found.elderId, async () => {
      const visit = await this.#visit(id)
      if (visit.status !== 'on_site' || !visit.signIn)
        throw new VisitError('NOT_SIGNED_IN', `visit ${id} is ${visit.status}, not signed in`)
      if (visit.carerId !== carerId)
        throw new VisitError('NOT_YOUR_VISIT', `visit ${id} was signed in by another carer`)
      const elder = this.#elder(visit.elderId)
      const out = this.#presence(carerId, body, elder)
      if (out.at < visit.signIn.at) out.at = visit.signIn.at
      visit.signOut = out
      visit.onSiteS = Math.round((out.at - visit.signIn.at) / 1000)
      visit.report = body.report
      visit.status = 'done'
      await this.#help(visit, elder, body.report, carerId)
      await this.#save(visit)
      this.#d.metrics.inc('care_visits_done_total', { late: String(visit.flags.includes('late')) })
      await this.#replanAhead(elder)
      if (needsFollowUp(body.report)) await this.#bringForward(elder, 'need')
      return visit
    })
  }

  /** A report outside the plan (掌上汇报): a call, a hospital escort, something noticed in passing. */
  async report(carerId: string, body: ReportBody): Promise<Visit> {
    const elder = this.#elder(body.elderId)
    if (!this.#d.carer(carerId)) throw new VisitError('UNKNOWN_CARER', `no carer ${carerId}`)
    return this.#queue.run(elder.id, async () => {
      const presence = this.#presence(carerId, body, elder)
      const now = this.#d.clock.now()
      const visit: Visit = {
        id: this.#newId(now),
        kind: body.kind,
        status: 'done',
        elderId: elder.id,
        risk: elder.risk,
        grid: elder.grid ?? [],
        carerId,
        dueDay: dayAt(presence.at, this.#d.settings.timeZone),
        signIn: presence,
        photos: [],
        report: body.report,
        flags: [],
        createdAt: now,
        updatedAt: now,
      }
      const station = this.#d.carer(carerId)?.stationId
      if (station) visit.stationId = station
      await this.#help(visit, elder, body.report, carerId)
      await this.#save(visit)
      this.#d.metrics.inc('care_visit_reports_total', { kind: body.kind })
      if (needsFollowUp(body.report)) await this.#bringForward(elder, 'need')
      return visit
    })
  }

  /**
   * Graded follow-up (docs/visits.md): after an alarm the centre closed for real (not a false alarm),
   * the elder's visit ahead comes within their grade's follow-up days (CARE_FOLLOW_UP_DAYS).
   */
  alarmClosed(elderId: string): Promise<void> {
    const elder = this.#d.elder(elderId)
    if (!elder) return Promise.resolve()
    return this.#queue.run(elderId, () => this.#bringForward(elder, 'alarm'))
  }

  /** The visit ahead, due no later than the grade's follow-up days from today, marked as a follow-up. */
  async #bringForward(elder: Elder, reason: 'alarm' | 'need'): Promise<void> {
    const ahead = await this.#ahead(elder.id)
    if (ahead?.status !== 'due') return
    const by = addDays(this.today(), this.#d.settings.followUpDays[elder.risk])
    if (ahead.dueDay <= by && ahead.followUp !== undefined) return
    if (ahead.dueDay > by) ahead.dueDay = by
    ahead.followUp = reason
    await this.#save(ahead)
    this.#arm(ahead)
    this.#d.metrics.inc('care_visits_followed_up_total', { reason, risk: elder.risk })
  }

  /** The elder's photos themselves, for their export (PIPL access): each with its visit, base64. */
  async photosOf(elderId: string): Promise<(PhotoRef & { visitId: string; data: string })[]> {
    const out: (PhotoRef & { visitId: string; data: string })[] = []
    let cursor: string | undefined
    do {
      const page = await this.#d.repo.list({ elderId, limit: 500, cursor })
      for (const visit of page.items) {
        for (const ref of visit.photos) {
          const found = await this.#d.photos.get(ref.id)
          if (found) out.push({ ...ref, visitId: visit.id, data: found.bytes.toString('base64') })
        }
      }
      cursor = page.next
    } while (cursor)
    return out
  }

  // ---- retention -----------------------------------------------------------------------------------

  /** Photos older than the retention: removed from the store, their references from the visits. */
  async purgePhotos(before: number, limit = 500): Promise<number> {
    const old = await this.#d.repo.photosBefore(before, limit)
    let removed = 0
    for (const { visitId, photoId } of old) {
      const visit = await this.#d.repo.get(visitId)
      if (!visit) continue
      await this.#queue.run(visit.elderId, async () => {
        const now = await this.#d.repo.get(visitId)
        if (!now) return
        now.photos = now.photos.filter((p) => p.id !== photoId)
        now.photosPurged = (now.photosPurged ?? 0) + 1
        await this.#save(now)
        if (!(await this.#d.repo.photoInUse(photoId)) && (await this.#d.photos.remove(photoId))) removed++
      })
    }
    return removed
  }

  // ---- inside -------------------------------------------------------------------------------------

  #elder(id: string): Elder {
    const elder = this.#d.elder(id)
    if (!elder) throw new VisitError('ELDER_NOT_FOUND', `no elder ${id}`)
    return elder
  }

  async #visit(id: string): Promise<Visit> {
    const visit = await this.#d.repo.get(id)
    if (!visit) throw new VisitError('VISIT_NOT_FOUND', `no visit ${id}`)
    return visit
  }

  /** A carer acts on their own visits, their station's unassigned ones, and visits nobody was given. */
  #mayAct(visit: Visit, carerId: string): void {
    if (visit.carerId === undefined || visit.carerId === carerId) {
      if (visit.carerId !== undefined || visit.stationId === undefined) return
      if (this.#d.carer(carerId)?.stationId === visit.stationId) return
    }
    throw new VisitError('NOT_YOUR_VISIT', `visit ${visit.id} is another carer's`)
  }

  async #checkAssignees(carerId: string | undefined, stationId: string | undefined): Promise<void> {
    if (carerId !== undefined && !this.#d.carer(carerId))
      throw new VisitError('UNKNOWN_CARER', `carerId: no carer ${carerId}`)
    if (stationId !== undefined && !(await this.#d.station(stationId)))
      throw new VisitError('UNKNOWN_STATION', `stationId: no station ${stationId}`)
  }

  #assignees(plan: StoredPlan | undefined): Pick<Visit, 'carerId' | 'stationId'> {
    const out: Pick<Visit, 'carerId' | 'stationId'> = {}
    if (plan?.carerId) out.carerId = plan.carerId
    const station = plan?.stationId ?? (plan?.carerId ? this.#d.carer(plan.carerId)?.stationId : undefined)
    if (station) out.stationId = station
    return out
  }

  /** Where the carer is: the fix sent with the request, else their own if fresh; distance from the home. */
  #presence(
    carerId: string,
    body: {
      ts?: number | undefined
      lat?: number | undefined
      lon?: number | undefined
      acc?: number | undefined
    },
    elder: Elder,
  ): Presence {
    const now = this.#d.clock.now()
    // a phone's clock may be off: its time is kept only when it is not in the future
    const presence: Presence = { at: body.ts !== undefined && body.ts <= now ? body.ts : now }
    let fix: { lat: number; lon: number } | undefined
    if (body.lat !== undefined && body.lon !== undefined) fix = { lat: body.lat, lon: body.lon }
    else {
      const own = this.#d.carerFix(carerId)
      if (own && now - own.at <= this.#d.settings.fixMaxAgeMs) fix = own
    }
    if (fix) {
      presence.lat = fix.lat
      presence.lon = fix.lon
      presence.distanceM = Math.round(distanceM(fix, elder.home))
    }
    if (body.acc !== undefined) presence.acc = body.acc
    return presence
  }

  /** contract addition: a report that the elder needs help now opens a `help_needed` alarm for the centre. */
  async #help(visit: Visit, elder: Elder, report: VisitReport, carerId: string): Promise<void> {
    if (report.condition !== 'needs_help') return
    const raised = await this.#d.raise({
      kind: 'help_needed',
      elderId: elder.id,
      elder,
      actor: carerId,
      note: report.note,
      forCentre: true,
      at:
        visit.signIn?.lat !== undefined
          ? { lat: visit.signIn.lat, lon: visit.signIn.lon as number }
          : undefined,
      data: { visitId: visit.id, needs: report.needs },
    })
    if (raised.ok && raised.value.status !== 'duplicate') visit.helpAlarmId = raised.value.alarm.id
    else this.#d.log.error({ visitId: visit.id, raised }, 'help_needed alarm not raised')
  }

  /** The elder's planned visit ahead: due or being done. */
  async #ahead(elderId: string): Promise<Visit | undefined> {
    const recent = await this.#d.repo.plannedOf(elderId, 3)
    return recent.find((v) => v.status === 'due' || v.status === 'on_site')
  }

  /** After a visit is done: the next one planned from it, or the one ahead (if done late) moved to follow it. */
  async #replanAhead(elder: Elder): Promise<void> {
    const ahead = await this.#ahead(elder.id)
    if (!ahead) {
      await this.#planNext(elder)
      return
    }
    if (ahead.status !== 'due' || pinned(ahead)) return
    const day = await this.#dueDay(elder, ahead)
    if (day === ahead.dueDay) return
    ahead.dueDay = day
    await this.#save(ahead)
    this.#arm(ahead)
  }

  /** The next planned visit, from the last one done (the day it was done) or missed (its due day). */
  async #planNext(elder: Elder): Promise<Visit> {
    const now = this.#d.clock.now()
    const plan = await this.#d.repo.plan(elder.id)
    const visit: Visit = {
      id: this.#newId(now),
      kind: 'planned',
      status: 'due',
      elderId: elder.id,
      risk: elder.risk,
      grid: elder.grid ?? [],
      ...this.#assignees(plan),
      dueDay: this.today(),
      photos: [],
      flags: [],
      createdAt: now,
      updatedAt: now,
    }
    visit.dueDay = await this.#dueDay(elder, visit, plan)
    await this.#save(visit)
    this.#arm(visit)
    return visit
  }

  /**
   * The day a visit ahead is due: a cadence after the last planned visit (done: the day it was
   * signed in; missed: its due day), on an allowed weekday, never before today. The first visit of
   * an elder falls within one cadence of the day it was planned, spread by the elder's id, so
   * thousands registered at once are not all due on one day.
   */
  async #dueDay(elder: Elder, visit: Visit, plan?: StoredPlan): Promise<Day> {
    const { settings, repo } = this.#d
    const stored = plan ?? (await repo.plan(elder.id))
    const before = (await repo.plannedOf(elder.id, 3)).find((v) => v.id !== visit.id && v.status !== 'due')
    const today = this.today()
    const rule: VisitPlan = {
      elderId: elder.id,
      risk: elder.risk,
      weekdays: stored?.weekdays,
      since: addDays(
        dayAt(visit.createdAt, settings.timeZone),
        spread(elder.id, settings.cadence[elder.risk]),
      ),
    }
    const anchor = before && (before.signIn ? dayAt(before.signIn.at, settings.timeZone) : before.dueDay)
    const due = nextDue(rule, anchor, settings.cadence)
    return due < today ? nextDue({ ...rule, since: today }, undefined, settings.cadence) : due
  }

  #arm(visit: Visit): void {
    const { scheduler, settings, clock } = this.#d
    const at = missedAt(visit.dueDay, settings.timeZone, settings.graceMs)
    scheduler.at(deadlineKey(visit.id), Math.max(at, clock.now()), () =>
      this.#missed(visit.id, visit.elderId),
    )
  }

  /**
   * contract addition: a visit not signed in by the end of its due day plus the grace raises a
   * `visit_missed` alarm for the centre (priority 4); a high-risk elder's second miss in a row goes
   * to the centre escalated, at priority 2. The alarm is raised before the visit is marked, so a crash
   * between the two raises it again at start, where it becomes a note on the one already open.
   */
  #missed(id: string, elderId: string): Promise<void> {
    return this.#queue.run(elderId, async () => {
      const visit = await this.#d.repo.get(id)
      if (visit?.status !== 'due') return
      const { settings, clock } = this.#d
      if (missedAt(visit.dueDay, settings.timeZone, settings.graceMs) > clock.now()) return this.#arm(visit)
      const elder = this.#d.elder(elderId)
      if (!elder) return
      const previous = (await this.#d.repo.plannedOf(elderId, 3)).find((v) => v.id !== id)
      const misses = previous?.status === 'missed' ? 2 : 1
      const urgent = misses >= 2 && elder.risk === 'high'
      const raised = await this.#d.raise({
        kind: 'visit_missed',
        elderId,
        elder,
        actor: 'system',
        priority: urgent ? 2 : undefined,
        forCentre: urgent,
        note: urgent ? 'second visit missed in a row' : undefined,
        data: { visitId: id, dueDay: visit.dueDay, misses },
      })
      if (raised.ok && raised.value.status !== 'duplicate') {
        const alarm = raised.value.alarm
        visit.missedAlarmId = alarm.id
        // an earlier miss's alarm still open takes this one as a note: escalated now when it is urgent
        if (urgent && raised.value.status === 'repeated' && !alarm.escalated)
          await this.#d.escalate(alarm.id, 'system', 'second visit missed in a row')
      }
      visit.status = 'missed'
      visit.missedAt = clock.now()
      await this.#save(visit)
      this.#d.metrics.inc('care_visits_missed_total', { risk: visit.risk, urgent: String(urgent) })
      await this.#planNext(elder)
    })
  }

  /**
   * Cluster mode: the visit's deadline worked out again from the store, on the node holding it
   * (another node changed the visit, or this node came to hold its lane).
   */
  async rearm(visitId: string): Promise<void> {
    this.#d.scheduler.cancel(deadlineKey(visitId))
    const visit = await this.#d.repo.get(visitId)
    if (visit?.status === 'due') this.#arm(visit)
  }

  /** Cluster mode: the deadlines of the due visits `only` picks (the lanes this node came to hold). */
  async armDue(only: (visitId: string) => boolean): Promise<number> {
    const due = (await this.#d.repo.due()).filter((v) => only(v.id))
    for (const visit of due) this.#arm(visit)
    return due.length
  }

  async #save(visit: Visit): Promise<void> {
    visit.updatedAt = this.#d.clock.now()
    await this.#d.repo.save(visit)
  }

  async #removePhotos(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.#d.photos.remove(id).catch((error: unknown) => {
        this.#d.log.error({ err: error, photoId: id }, 'photo not removed')
      })
    }
  }
}

/** Event-loop time the visits take in one turn when planning many elders at once (an import, a first start). */
const TURN_BUDGET_MS = 8

export function deadlineKey(visitId: string): string {
  return `visit:${visitId}`
}

/**
 * `V` + yyyymmdd-hhmmss (UTC) + 12 random hex characters: sorts by time. An import plans thousands of
 * visits in one second, so the random part must make a repeat unthinkable (48 bits), not just rare.
 */
function visitId(at: number): string {
  return `V${timeStamp(at)}-${randomBytes(6).toString('hex')}`
}

/** A day offset in [0, cadence) from the elder's id: the same elder always lands on the same offset. */
function spread(elderId: string, cadence: number): number {
  let h = 0
  for (let i = 0; i < elderId.length; i++) h = (h * 31 + elderId.charCodeAt(i)) >>> 0
  return h % Math.max(1, cadence)
}

/** A day set by hand (the centre moved it) or for a follow-up: a re-plan leaves it as it is. */
function pinned(visit: Visit): boolean {
  return visit.moved === true || visit.followUp !== undefined
}

/** A report that asks for another look soon: the elder unwell or needing help, or a need noticed. */
function needsFollowUp(report: VisitReport): boolean {
  return report.condition !== 'well' || report.needs.length > 0
}
