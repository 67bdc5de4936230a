import type { NotifyMessage, TaskMessage } from '../../../kernel/contract/payloads.ts'
import type { HistogramName } from '../../../kernel/observe/catalog.ts'
import type { Candidate, DispatchRules, Point } from '../../dispatch/types.ts'
import type { Elder } from '../../registry/schemas.ts'
import { notifyMessage, taskMessage } from '../messages.ts'
import type { Alarm, TimelineEntry, TimelineType } from '../model.ts'
import type { OfferRecord, OfferStatus } from '../offers.ts'
import type { MessageRecord } from '../ports.ts'
import type { Locale } from '../texts.ts'
import { type DeadlineKind, type Decision, emptyDecision } from './decision.ts'

/** What a carer looks like to the machine: enough to tell an elder who is coming, and whether they are free. */
export interface CarerFacts {
  name: string
  phone: string
  busy: boolean
  position?: Point
}

/**
 * The facts a transition decides on, gathered by the shell before it asks:
 * the time, the rules, the elder, and read-only views of the carers. The
 * machine never reaches for anything else.
 */
export interface Facts {
  now: number
  rules: DispatchRules
  locale: Locale
  /** The alarm's elder (undefined only for an elder erased since). */
  elder: Elder | undefined
  /** Carers who could go to `at`, ranked by the contract's rules, leaving out `exclude`. */
  candidates(at: Point, exclude: ReadonlySet<string>): Candidate[]
  carer(id: string): CarerFacts | undefined
}

export interface EntryFields {
  actor?: string | undefined
  carerId?: string | undefined
  note?: string | undefined
  data?: Record<string, unknown> | undefined
}

/**
 * A working copy of one alarm and its offers, on which a transition writes
 * its decision: each entry advances the alarm's `seq`, each offer change is
 * noted, and nothing outside the copy is touched.
 */
export class Draft {
  readonly alarm: Alarm
  readonly offers: OfferRecord[]
  readonly facts: Facts
  readonly decision: Decision = emptyDecision()
  #touched = false

  constructor(
    alarm: Alarm,
    offers: readonly OfferRecord[],
    facts: Facts,
    created?: { grid: string; msgId?: string | undefined },
  ) {
    this.alarm = { ...alarm }
    this.offers = offers.map((o) => ({ ...o }))
    this.facts = facts
    if (created) {
      this.decision.change.alarm = { value: this.alarm, created }
      this.#touched = true
    }
  }

  get now(): number {
    return this.facts.now
  }

  /** Append a timeline entry: the alarm's seq moves on, and the listeners will hear of it. */
  add(type: TimelineType, fields: EntryFields = {}): TimelineEntry {
    const a = this.alarm
    a.seq += 1
    a.updatedAt = this.now
    const entry: TimelineEntry = { seq: a.seq, type, at: this.now }
    if (fields.actor !== undefined) entry.actor = fields.actor
    if (fields.carerId !== undefined) entry.carerId = fields.carerId
    if (fields.note !== undefined) entry.note = fields.note
    if (fields.data !== undefined) entry.data = fields.data
    ;(this.decision.change.entries as TimelineEntry[]).push(entry)
    this.decision.emitted.push({ alarm: { ...a }, entry })
    this.#touch()
    return entry
  }

  /** The alarm's row changes without an entry (a silent move back to `open`). */
  save(): void {
    this.alarm.updatedAt = this.now
    this.#touch()
  }

  offerTo(offer: OfferRecord): void {
    this.offers.push({ ...offer })
    ;(this.decision.change.offers.insert as OfferRecord[]).push({ ...offer })
  }

  setOffer(carerId: string, status: OfferStatus): void {
    const offer = this.offers.find((o) => o.carerId === carerId)
    if (offer) offer.status = status
    ;(this.decision.change.offers.status as { carerId: string; status: OfferStatus }[]).push({
      carerId,
      status,
    })
  }

  pending(except?: string): OfferRecord[] {
    return this.offers.filter((o) => o.status === 'pending' && o.carerId !== except)
  }

  offerOf(carerId: string): OfferRecord | undefined {
    return this.offers.find((o) => o.carerId === carerId)
  }

  remember(message: MessageRecord): void {
    this.decision.change.message = message
  }

  /** Tell the alarm's device (if a device raised it) how its alarm stands. */
  notify(state: NotifyMessage['state'], extra: Parameters<typeof notifyMessage>[3] = {}): void {
    if (this.alarm.deviceId) this.notifyDevice(this.alarm.deviceId, state, extra)
  }

  notifyDevice(
    deviceId: string,
    state: NotifyMessage['state'],
    extra: Parameters<typeof notifyMessage>[3] = {},
  ): void {
    this.decision.sends.push({
      to: 'device',
      deviceId,
      message: notifyMessage(this.facts.locale, this.alarm.id, state, extra),
    })
  }

  task(
    action: TaskMessage['action'],
    carerId: string,
    route: { distanceM: number; etaMin: number; expiresAt?: number },
  ): void {
    this.decision.sends.push({
      to: 'carer',
      carerId,
      message: taskMessage(action, { ...this.alarm }, this.facts.elder, route),
    })
  }

  armExpiry(round: number, at: number): void {
    this.decision.deadlines.arm.push({ kind: 'expiry', alarmId: this.alarm.id, at, round })
  }

  armReminder(carerId: string, at: number): void {
    this.decision.deadlines.arm.push({ kind: 'reminder', alarmId: this.alarm.id, at, carerId })
  }

  /** The graded response deadline: when nobody has arrived by then, the alarm is overdue. */
  armResponse(at: number): void {
    this.decision.deadlines.arm.push({ kind: 'response', alarmId: this.alarm.id, at })
  }

  cancelDeadline(kind: DeadlineKind): void {
    this.decision.deadlines.cancel.push({ alarmId: this.alarm.id, kind })
  }

  busy(carerId: string): void {
    this.decision.carers.busy.push(carerId)
  }

  free(carerId: string): void {
    this.decision.carers.free.push(carerId)
  }

  accepted(carerId: string): void {
    this.decision.carers.accepted.push(carerId)
  }

  count(name: string, labels?: Record<string, string>, by?: number): void {
    const c: Decision['counters'][number] = { name }
    if (labels) c.labels = labels
    if (by !== undefined) c.by = by
    this.decision.counters.push(c)
  }

  span(name: HistogramName, from: number | undefined): void {
    this.decision.spans.push({ name, kind: this.alarm.kind, from, to: this.now })
  }

  /** The decision, with the alarm's row whenever anything about it changed. */
  done(): Decision {
    if (this.#touched && !this.decision.change.alarm) this.decision.change.alarm = { value: this.alarm }
    return this.decision
  }

  #touch(): void {
    this.#touched = true
  }
}
