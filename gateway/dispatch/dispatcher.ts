import type { ReplyPayload, TaskMessage } from '../../kernel/contract/payloads.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { AlarmJournal, JournalWriter } from '../alarms/journal.ts'
import { type Downlink, notifyMessage, taskMessage } from '../alarms/messages.ts'
import type { Alarm, AlarmState } from '../alarms/model.ts'
import { ok, type Result, refuse } from '../alarms/result.ts'
import type { Locale } from '../alarms/texts.ts'
import type { CarerBook } from '../carers/book.ts'
import type { Audit } from '../observe/audit.ts'
import type { Elder } from '../registry/schemas.ts'
import { arrivalCheck, decideAccept, planRound, roundClosed } from './engine.ts'
import type { AlarmForDispatch, DispatchRules, OfferRecord } from './types.ts'

export interface DispatcherDeps {
  journal: AlarmJournal
  carers: CarerBook
  elderOf: (id: string) => Elder | undefined
  scheduler: Scheduler
  clock: Clock
  rules: DispatchRules
  downlink: Downlink
  locale: Locale
  audit: Audit
  log: Logger
  metrics: Metrics
}

/**
 * The thin shell around the pure engine: it asks the engine what to do,
 * writes the decision in one transaction, arms the deadline and sends the
 * downlinks. All dispatch state lives in the store, so `restore` can
 * rebuild every deadline after a crash.
 */
export class Dispatcher {
  readonly #d: DispatcherDeps

  constructor(deps: DispatcherDeps) {
    this.#d = deps
  }

  /** A new alarm: start the first round (priority 4 is held for the centre). */
  begin(alarm: Alarm): void {
    this.#nextRound(alarm.id)
  }

  /** Re-arm every pending deadline after a start (contract: survives a crash). */
  restore(alarms: readonly Alarm[]): number {
    let armed = 0
    for (const alarm of alarms) {
      if (alarm.state === 'accepted' && alarm.carerId) {
        const offer = this.#d.journal.store.offers(alarm.id).find((o) => o.carerId === alarm.carerId)
        this.#armReminder(alarm, offer?.etaMin ?? DEFAULT_REMINDER_ETA_MIN)
        armed++
        continue
      }
      if (alarm.state !== 'open' && alarm.state !== 'offered') continue
      const pending = this.#d.journal.store.offers(alarm.id).filter((o) => o.status === 'pending')
      if (pending.length > 0) {
        const due = Math.max(...pending.map((o) => o.expiresAt))
        this.#armExpiry(alarm.id, alarm.round, due)
        armed++
      } else if (!alarm.escalated) {
        this.#nextRound(alarm.id)
        armed++
      }
    }
    return armed
  }

  reply(carerId: string, reply: ReplyPayload): Result<Alarm> {
    const alarm = this.#d.journal.store.get(reply.alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${reply.alarmId}`)
    this.#d.carers.seen(carerId, this.#d.clock.now())
    switch (reply.action) {
      case 'accept':
        return this.#accept(alarm, carerId)
      case 'decline':
        return this.#decline(alarm, carerId)
      case 'arrive':
        return this.#arrive(alarm, carerId, reply)
      case 'resolve':
        return this.#resolveByCarer(alarm, carerId, reply)
    }
  }

  /** A dispatcher assigns (or reassigns) a carer directly. */
  assign(alarmId: string, carerId: string, actor: string): Result<Alarm> {
    const alarm = this.#d.journal.store.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (!isOpen(alarm) || alarm.state === 'arrived') {
      return refuse('INVALID_STATE', `alarm is ${alarm.state}`)
    }
    const carer = this.#d.carers.get(carerId)
    if (!carer) return refuse('CARER_NOT_FOUND', `no carer ${carerId}`)
    if (carer.busy && alarm.carerId !== carerId) return refuse('CARER_BUSY', `${carerId} is on another alarm`)
    const previous = alarm.carerId
    if (previous === carerId) return ok(alarm)
    const route = this.#route(alarm, carerId)
    const withdrawn = this.#d.journal.write((w) => {
      // the carer being assigned keeps their offer (now accepted); everyone else's is withdrawn
      const gone = this.#withdrawPending(alarm, w, actor, carerId)
      if (
        this.#d.journal.store.offers(alarm.id).some((o) => o.carerId === carerId && o.status === 'pending')
      ) {
        this.#d.journal.store.setOfferStatus(alarm.id, carerId, 'accepted')
      }
      if (previous) {
        w.add(alarm, 'withdrawn', { carerId: previous, actor })
        gone.push(previous)
      }
      alarm.state = 'accepted'
      alarm.carerId = carerId
      alarm.acceptedAt = this.#d.clock.now()
      w.add(alarm, previous ? 'reassigned' : 'accepted', {
        carerId,
        actor,
        data: {
          distanceM: Math.round(route.distanceM),
          etaMin: route.etaMin,
          ...(previous ? { from: previous } : {}),
        },
      })
      return gone
    })
    this.#d.scheduler.cancel(expiryKey(alarm.id))
    if (previous) this.#d.carers.setBusy(previous, false)
    this.#afterAccept(alarm, carerId, route, withdrawn)
    return ok(alarm)
  }

  /**
   * A carer's open work: the alarms they hold (with the alarm's state), then the
   * offers still standing, the oldest first. What `GET /carers/{id}/tasks`
   * answers and what a phone is sent again when it subscribes.
   */
  openTasks(carerId: string): OpenTask[] {
    const store = this.#d.journal.store
    const now = this.#d.clock.now()
    const held = store.list({ carerId, state: ['accepted', 'arrived'], limit: 50 }).items.map((alarm) => ({
      ...taskMessage('assigned', alarm, this.#d.elderOf(alarm.elderId), this.#heldRoute(alarm, carerId)),
      state: alarm.state,
    }))
    const offers = store.pendingOffersOf(carerId).flatMap(({ alarmId, offer }) => {
      const alarm = store.get(alarmId)
      // an offer past its deadline is about to be withdrawn by its expiry: not work to send
      if (alarm?.state !== 'offered' || offer.expiresAt <= now) return []
      return [taskMessage('offer', alarm, this.#d.elderOf(alarm.elderId), offer)]
    })
    return [...held, ...offers]
  }

  /**
   * contract: offers survive dropped connections and restarts. The broker
   * keeps queued downlinks only in memory, so when a carer's phone subscribes
   * to its task topic it is sent its open work again; the messages are
   * idempotent by `alarmId`, so a phone that already had them loses nothing.
   */
  resendOpenWork(carerId: string): number {
    const tasks = this.openTasks(carerId)
    for (const { state: _held, ...task } of tasks) this.#d.downlink.task(carerId, task)
    if (tasks.length > 0) this.#d.metrics.inc('care_tasks_resent_total', undefined, tasks.length)
    return tasks.length
  }

  /** Withdraw every pending offer and free the assigned carer: the alarm is closing. */
  closeOut(alarm: Alarm, w: JournalWriter, actor: string): string[] {
    const gone = this.#withdrawPending(alarm, w, actor)
    this.#d.scheduler.cancel(expiryKey(alarm.id))
    return gone
  }

  /** After a close committed: tell withdrawn carers and free the assigned one. */
  afterClose(alarm: Alarm, withdrawn: readonly string[], previousCarer: string | undefined): void {
    for (const id of withdrawn) this.#sendTask('withdrawn', alarm, id)
    // closed by the centre or the device, not by the carer's own `resolve`: the holder's phone must drop it
    if (previousCarer && !withdrawn.includes(previousCarer)) this.#sendTask('withdrawn', alarm, previousCarer)
    if (previousCarer) this.#d.carers.setBusy(previousCarer, false)
  }

  #nextRound(alarmId: string): void {
    const { journal, clock, rules } = this.#d
    const alarm = journal.store.get(alarmId)
    if (!alarm || (alarm.state !== 'open' && alarm.state !== 'offered')) return
    const elder = this.#d.elderOf(alarm.elderId)
    const now = clock.now()
    const past = journal.store.offers(alarm.id)
    const exclude = new Set(past.map((o) => o.carerId))
    const ranked = this.#d.carers.candidates(alarm, now, exclude)
    const decision = planRound(forEngine(alarm, elder), ranked, past, now, rules)
    switch (decision.type) {
      case 'hold':
        return
      case 'escalate': {
        if (alarm.escalated && alarm.state === 'open') return
        journal.write((w) => {
          alarm.state = 'open'
          if (alarm.escalated) {
            w.save(alarm)
            return
          }
          alarm.escalated = true
          w.add(alarm, 'escalated', {
            actor: 'system',
            data: { reason: decision.reason, round: alarm.round },
          })
        })
        this.#d.metrics.inc('care_alarms_escalated_total', { reason: decision.reason })
        return
      }
      case 'offer': {
        journal.write((w) => {
          alarm.round = decision.round
          alarm.state = 'offered'
          for (const c of decision.offers) {
            const offer: OfferRecord = {
              carerId: c.carerId,
              round: decision.round,
              status: 'pending',
              offeredAt: now,
              expiresAt: decision.expiresAt,
              distanceM: c.distanceM,
              etaMin: c.etaMin,
            }
            journal.store.insertOffer(alarm.id, offer)
            w.add(alarm, 'offered', {
              carerId: c.carerId,
              actor: 'system',
              data: {
                round: decision.round,
                distanceM: Math.round(c.distanceM),
                etaMin: c.etaMin,
                expiresAt: decision.expiresAt,
              },
            })
          }
        })
        this.#armExpiry(alarm.id, decision.round, decision.expiresAt)
        if (past.length === 0)
          this.#d.metrics.span('care_alarm_first_offer_seconds', alarm, alarm.raisedAt, now)
        for (const c of decision.offers) {
          this.#d.downlink.task(
            c.carerId,
            taskMessage('offer', alarm, elder, {
              distanceM: c.distanceM,
              etaMin: c.etaMin,
              expiresAt: decision.expiresAt,
            }),
          )
        }
        this.#d.metrics.inc('care_offers_total', { priority: String(alarm.priority) }, decision.offers.length)
        return
      }
    }
  }

  /**
   * Remind the assigned carer once when their own ETA has passed by five
   * minutes and they have not checked in (the task action `reminder`).
   */
  #armReminder(alarm: Alarm, etaMin: number): void {
    const { acceptedAt, carerId } = alarm
    if (acceptedAt === undefined || !carerId) return
    const due = acceptedAt + etaMin * 60_000 + REMINDER_GRACE_MS
    this.#d.scheduler.at(reminderKey(alarm.id), Math.max(due, this.#d.clock.now()), () => {
      const now = this.#d.journal.store.get(alarm.id)
      if (now?.state !== 'accepted' || now.carerId !== carerId) return
      this.#sendTask('reminder', now, carerId)
      this.#d.metrics.inc('care_reminders_total')
    })
  }

  #armExpiry(alarmId: string, round: number, dueAt: number): void {
    this.#d.scheduler.at(expiryKey(alarmId), Math.max(dueAt, this.#d.clock.now()), () =>
      this.#expire(alarmId, round),
    )
  }

  /** contract: an offer expires (60 s, 30 s for high risk; 120 s below priority 1), then the next round. */
  #expire(alarmId: string, round: number): void {
    const { journal } = this.#d
    const alarm = journal.store.get(alarmId)
    if (alarm?.state !== 'offered' || alarm.round !== round) return
    const now = this.#d.clock.now()
    const lapsed = journal.store
      .offers(alarmId)
      .filter((o) => o.status === 'pending' && o.round === round && o.expiresAt <= now)
    if (lapsed.length === 0) return
    journal.write((w) => {
      for (const o of lapsed) {
        journal.store.setOfferStatus(alarmId, o.carerId, 'expired')
        w.add(alarm, 'offer_expired', { carerId: o.carerId, actor: 'system', data: { round } })
      }
    })
    for (const o of lapsed) this.#sendTask('withdrawn', alarm, o.carerId, o)
    this.#d.metrics.inc('care_offers_expired_total', undefined, lapsed.length)
    if (roundClosed(round, journal.store.offers(alarmId))) this.#nextRound(alarmId)
  }

  #accept(alarm: Alarm, carerId: string): Result<Alarm> {
    const { journal, clock } = this.#d
    const offers = journal.store.offers(alarm.id)
    const decision = decideAccept(forEngine(alarm, undefined), offers, carerId, clock.now())
    if (!decision.ok) {
      this.#d.metrics.inc('care_replies_refused_total', { code: decision.code })
      this.#d.audit.record({
        actor: carerId,
        action: 'dispatch.accept_refused',
        target: alarm.id,
        detail: { code: decision.code },
      })
      return refuse(decision.code, `accept refused: ${decision.code}`)
    }
    const offer = offers.find((o) => o.carerId === carerId)
    const route = offer ? { distanceM: offer.distanceM, etaMin: offer.etaMin } : this.#route(alarm, carerId)
    journal.write((w) => {
      journal.store.setOfferStatus(alarm.id, carerId, 'accepted')
      alarm.state = 'accepted'
      alarm.carerId = carerId
      alarm.acceptedAt = clock.now()
      w.add(alarm, 'accepted', {
        carerId,
        actor: carerId,
        data: { distanceM: Math.round(route.distanceM), etaMin: route.etaMin },
      })
      // contract: the first accept wins, the others get `withdrawn`
      for (const other of decision.withdraw) {
        journal.store.setOfferStatus(alarm.id, other, 'withdrawn')
        w.add(alarm, 'withdrawn', { carerId: other, actor: 'system' })
      }
    })
    this.#d.scheduler.cancel(expiryKey(alarm.id))
    this.#d.metrics.span('care_offer_accept_seconds', alarm, offer?.offeredAt, clock.now())
    this.#afterAccept(alarm, carerId, route, decision.withdraw)
    return ok(alarm)
  }

  #afterAccept(
    alarm: Alarm,
    carerId: string,
    route: { distanceM: number; etaMin: number },
    withdrawn: readonly string[],
  ): void {
    const carer = this.#d.carers.get(carerId)
    this.#armReminder(alarm, route.etaMin)
    this.#d.carers.setBusy(carerId, true)
    this.#d.carers.countAccepted(carerId, this.#d.clock.now())
    this.#sendTask('assigned', alarm, carerId, route)
    for (const other of withdrawn) this.#sendTask('withdrawn', alarm, other)
    if (alarm.deviceId) {
      this.#d.downlink.notify(
        alarm.deviceId,
        notifyMessage(this.#d.locale, alarm.id, 'assigned', {
          carer: { name: carer?.name ?? '', phone: carer?.phone ?? '' },
          etaMin: route.etaMin,
        }),
      )
    }
  }

  #decline(alarm: Alarm, carerId: string): Result<Alarm> {
    const { journal } = this.#d
    const offer = journal.store.offers(alarm.id).find((o) => o.carerId === carerId)
    if (!offer) return refuse('OFFER_NOT_FOUND', `${carerId} has no offer of ${alarm.id}`)
    if (offer.status !== 'pending' || alarm.state !== 'offered') {
      return refuse('OFFER_EXPIRED', `the offer is ${offer.status}`)
    }
    journal.write((w) => {
      journal.store.setOfferStatus(alarm.id, carerId, 'declined')
      w.add(alarm, 'declined', { carerId, actor: carerId })
    })
    if (roundClosed(offer.round, journal.store.offers(alarm.id))) {
      this.#d.scheduler.cancel(expiryKey(alarm.id))
      this.#nextRound(alarm.id)
    }
    return ok(alarm)
  }

  #arrive(alarm: Alarm, carerId: string, reply: ReplyPayload): Result<Alarm> {
    if (alarm.carerId !== carerId) return refuse('NOT_ASSIGNED', `${carerId} is not assigned to ${alarm.id}`)
    if (alarm.state !== 'accepted') return refuse('INVALID_STATE', `alarm is ${alarm.state}`)
    const { journal, clock, rules } = this.#d
    const at =
      reply.lat !== undefined && reply.lon !== undefined
        ? { lat: reply.lat, lon: reply.lon }
        : this.#d.carers.get(carerId)?.position
    // contract: `arrive` records the carer's distance from the elder; beyond 200 m it is flagged, but accepted
    const check = arrivalCheck(alarm, at, rules)
    journal.write((w) => {
      alarm.state = 'arrived'
      alarm.arrivedAt = clock.now()
      if (check.distanceM !== undefined) alarm.arrivalDistanceM = check.distanceM
      alarm.arrivalFlagged = check.flagged
      w.add(alarm, 'arrived', {
        carerId,
        actor: carerId,
        data: { distanceM: check.distanceM ?? null, flagged: check.flagged },
      })
    })
    if (check.flagged) this.#d.metrics.inc('care_arrivals_flagged_total')
    this.#d.metrics.span('care_accept_arrive_seconds', alarm, alarm.acceptedAt, clock.now())
    if (alarm.deviceId)
      this.#d.downlink.notify(alarm.deviceId, notifyMessage(this.#d.locale, alarm.id, 'arrived'))
    return ok(alarm)
  }

  #resolveByCarer(alarm: Alarm, carerId: string, reply: ReplyPayload): Result<Alarm> {
    if (alarm.carerId !== carerId) return refuse('NOT_ASSIGNED', `${carerId} is not assigned to ${alarm.id}`)
    if (alarm.state !== 'accepted' && alarm.state !== 'arrived') {
      return refuse('INVALID_STATE', `alarm is ${alarm.state}`)
    }
    if (!reply.outcome) return refuse('OUTCOME_REQUIRED', 'resolve needs an outcome')
    const outcome = reply.outcome
    this.#d.journal.write((w) => {
      alarm.state = 'resolved'
      alarm.resolvedAt = this.#d.clock.now()
      alarm.outcome = outcome
      w.add(alarm, 'resolved', { carerId, actor: carerId, note: reply.note, data: { outcome } })
    })
    this.#d.carers.setBusy(carerId, false)
    if (alarm.deviceId)
      this.#d.downlink.notify(alarm.deviceId, notifyMessage(this.#d.locale, alarm.id, 'resolved'))
    return ok(alarm)
  }

  #withdrawPending(alarm: Alarm, w: JournalWriter, actor: string, keep?: string): string[] {
    const store = this.#d.journal.store
    const pending = store.offers(alarm.id).filter((o) => o.status === 'pending' && o.carerId !== keep)
    for (const o of pending) {
      store.setOfferStatus(alarm.id, o.carerId, 'withdrawn')
      w.add(alarm, 'withdrawn', { carerId: o.carerId, actor })
    }
    return pending.map((o) => o.carerId)
  }

  /** Distance and ETA the holder was given when they accepted or were assigned. */
  #heldRoute(alarm: Alarm, carerId: string): { distanceM: number; etaMin: number } {
    const entry = this.#d.journal.store
      .timeline(alarm.id)
      .reverse()
      .find((e) => (e.type === 'accepted' || e.type === 'reassigned') && e.carerId === carerId)
    return { distanceM: Number(entry?.data?.distanceM ?? 0), etaMin: Number(entry?.data?.etaMin ?? 0) }
  }

  #route(alarm: Alarm, carerId: string): { distanceM: number; etaMin: number } {
    const c = this.#d.carers
      .candidates(alarm, this.#d.clock.now(), new Set())
      .find((x) => x.carerId === carerId)
    return c ? { distanceM: c.distanceM, etaMin: c.etaMin } : { distanceM: 0, etaMin: 0 }
  }

  #sendTask(
    action: 'assigned' | 'withdrawn' | 'reminder',
    alarm: Alarm,
    carerId: string,
    route?: { distanceM: number; etaMin: number },
  ): void {
    const r = route ??
      this.#d.journal.store.offers(alarm.id).find((o) => o.carerId === carerId) ?? { distanceM: 0, etaMin: 0 }
    this.#d.downlink.task(carerId, taskMessage(action, alarm, this.#d.elderOf(alarm.elderId), r))
  }
}

/** A task as a carer's phone lists it: the downlink plus the alarm's state. */
export type OpenTask = TaskMessage & { state?: AlarmState }

/** How long past their ETA a carer who has not arrived is reminded. */
const REMINDER_GRACE_MS = 5 * 60_000
/** The ETA assumed for a reminder when none was recorded. */
const DEFAULT_REMINDER_ETA_MIN = 10

function reminderKey(alarmId: string): string {
  return `remind:${alarmId}`
}

function expiryKey(alarmId: string): string {
  return `offer:${alarmId}`
}

function isOpen(alarm: Alarm): boolean {
  return alarm.state !== 'resolved' && alarm.state !== 'cancelled'
}

function forEngine(alarm: Alarm, elder: Elder | undefined): AlarmForDispatch {
  const view: AlarmForDispatch = {
    id: alarm.id,
    priority: alarm.priority,
    risk: elder?.risk ?? 'medium',
    lat: alarm.lat,
    lon: alarm.lon,
    round: alarm.round,
    state: alarm.state,
  }
  if (alarm.carerId) view.carerId = alarm.carerId
  return view
}
