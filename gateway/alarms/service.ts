import type { CancelPayload, Outcome } from '../../kernel/contract/payloads.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Ids } from '../../kernel/ports/ids.ts'
import type { Dispatcher } from '../dispatch/dispatcher.ts'
import type { Page } from '../registry/registry.ts'
import { type Elder, gridKey } from '../registry/schemas.ts'
import type { AlarmJournal } from './journal.ts'
import { type Downlink, notifyMessage } from './messages.ts'
import {
  type Alarm,
  type AlarmKind,
  openStates,
  type Priority,
  type Rating,
  type TimelineEntry,
} from './model.ts'
import { type PriorityTable, priorityOf } from './priority.ts'
import { ok, type Result, refuse } from './result.ts'
import type { AlarmFilter } from './store.ts'
import type { Locale } from './texts.ts'

export interface AlarmServiceDeps {
  journal: AlarmJournal
  dispatcher: Dispatcher
  elderOf: (id: string) => Elder | undefined
  downlink: Downlink
  clock: Clock
  ids: Ids
  locale: Locale
  cancelGraceMs: number
  priorities: PriorityTable
  log: Logger
  metrics: Metrics
}

/** An alarm being raised, from whatever edge it came. */
export interface RaiseInput {
  kind: AlarmKind
  elderId: string
  deviceId?: string | undefined
  /** Where help is needed; the elder's home when absent (contract: an sos with no position still alarms). */
  at?: { lat: number; lon: number } | undefined
  actor: string
  priority?: Priority | undefined
  note?: string | undefined
  /** The device message that raised it: (device, id) is recorded so a retransmission never acts twice. */
  message?: { deviceId: string; id: string; topic: string; ts?: number } | undefined
  data?: Record<string, unknown> | undefined
}

export type RaiseResult =
  | { status: 'raised'; alarm: Alarm }
  | { status: 'repeated'; alarm: Alarm }
  | { status: 'duplicate'; alarmId: string | null }

/** Kinds whose raising the elder hears about at once ("received"). */
const acknowledgedKinds: ReadonlySet<AlarmKind> = new Set(['sos', 'fall', 'smoke', 'gas', 'manual'])

/**
 * The alarm lifecycle: raise, repeat, cancel, note, resolve and escalate by
 * the centre. Each change is one transaction through the journal; offers and
 * their deadlines belong to the dispatcher.
 */
export class AlarmService {
  readonly #d: AlarmServiceDeps

  constructor(deps: AlarmServiceDeps) {
    this.#d = deps
  }

  /** Record a device message that opens no alarm (a `door` event), so a retransmission is known; false if seen. */
  async recordMessage(deviceId: string, msgId: string, topic: string): Promise<boolean> {
    const store = this.#d.journal.store
    return store.tx(() => {
      if (store.seenMessage(deviceId, msgId)) return false
      store.recordMessage(deviceId, msgId, topic, this.#d.clock.now(), null)
      return true
    })
  }

  get(id: string): Alarm | undefined {
    return this.#d.journal.store.get(id)
  }

  list(filter: AlarmFilter): Page<Alarm> {
    return this.#d.journal.store.list(filter)
  }

  timeline(id: string): TimelineEntry[] {
    return this.#d.journal.store.timeline(id)
  }

  /**
   * Raise an alarm. Stored before this returns, so a caller inside the
   * broker's authorizePublish acknowledges only what is durable. A second
   * alarm of the same kind for an elder who already has one open is noted
   * on the open one instead (an elder pressing again must not double the work).
   */
  async raise(input: RaiseInput): Promise<Result<RaiseResult>> {
    const { journal, clock } = this.#d
    const elder = this.#d.elderOf(input.elderId)
    if (!elder) return refuse('ELDER_NOT_FOUND', `no elder ${input.elderId}`)
    const msg = input.message
    const outcome = journal.write((w): RaiseResult => {
      if (msg) {
        const seen = journal.store.seenMessage(msg.deviceId, msg.id)
        if (seen) return { status: 'duplicate', alarmId: seen.alarmId }
      }
      const now = clock.now()
      const open = this.#openAlarmOf(input.elderId, input.kind)
      if (open) {
        w.add(open, 'note', { actor: input.actor, note: 'repeated', data: { ...input.data, repeated: true } })
        if (msg) journal.store.recordMessage(msg.deviceId, msg.id, msg.topic, now, open.id)
        return { status: 'repeated', alarm: open }
      }
      const point = input.at ?? elder.home
      const alarm: Alarm = {
        id: this.#d.ids.alarmId(now),
        kind: input.kind,
        priority: input.priority ?? priorityOf(input.kind, elder.risk, this.#d.priorities),
        state: 'open',
        escalated: false,
        elderId: input.elderId,
        raisedAt: now,
        lat: point.lat,
        lon: point.lon,
        round: 0,
        seq: 0,
        updatedAt: now,
      }
      if (input.deviceId) alarm.deviceId = input.deviceId
      w.create(alarm, gridKey(elder.grid), msg?.id)
      w.add(alarm, 'raised', {
        actor: input.actor,
        note: input.note,
        data: {
          ...input.data,
          ...(msg?.ts !== undefined ? { deviceTs: msg.ts } : {}),
          atHome: input.at === undefined,
        },
      })
      if (input.deviceId && acknowledgedKinds.has(input.kind)) {
        w.add(alarm, 'notified', { actor: 'system', data: { state: 'received' } })
      }
      if (msg) journal.store.recordMessage(msg.deviceId, msg.id, msg.topic, now, alarm.id)
      return { status: 'raised', alarm }
    })
    if (outcome.status === 'duplicate') {
      this.#d.metrics.inc('care_messages_duplicate_total')
      return ok(outcome)
    }
    // contract: `received` goes out as soon as the alarm is durably stored
    const alarm = outcome.alarm
    if (input.deviceId && acknowledgedKinds.has(input.kind)) {
      this.#d.downlink.notify(input.deviceId, notifyMessage(this.#d.locale, alarm.id, 'received'))
    }
    if (outcome.status === 'raised') {
      this.#d.metrics.inc('care_alarms_raised_total', { kind: alarm.kind, priority: String(alarm.priority) })
      this.#d.dispatcher.begin(alarm)
    }
    return ok(outcome)
  }

  /**
   * contract: `cancel` within the grace (30 s) of the sos closes the alarm as
   * cancelled (still on the board for a call-back); later it only adds a note.
   */
  async cancelFromDevice(
    deviceId: string,
    payload: CancelPayload,
    topic: string,
  ): Promise<'cancelled' | 'noted' | 'ignored'> {
    const { journal, clock } = this.#d
    const seen = journal.store.seenMessage(deviceId, payload.id)
    if (seen) {
      this.#d.metrics.inc('care_messages_duplicate_total')
      return 'ignored'
    }
    const target = this.#cancelTarget(deviceId, payload.ref)
    const now = clock.now()
    if (!target) {
      journal.store.tx(() => journal.store.recordMessage(deviceId, payload.id, topic, now, null))
      return 'ignored'
    }
    const inGrace = now - target.raisedAt <= this.#d.cancelGraceMs
    if (!inGrace) {
      journal.write((w) => {
        journal.store.recordMessage(deviceId, payload.id, topic, now, target.id)
        w.add(target, 'note', { actor: deviceId, note: 'cancel_after_grace', data: { deviceTs: payload.ts } })
      })
      return 'noted'
    }
    this.#close(target, 'cancelled', deviceId, { deviceTs: payload.ts }, () =>
      journal.store.recordMessage(deviceId, payload.id, topic, now, target.id),
    )
    return 'cancelled'
  }

  /** The centre cancels (e.g. a call-back found a false press). */
  cancel(alarmId: string, actor: string, note?: string): Result<Alarm> {
    const alarm = this.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (!openStates.has(alarm.state)) return refuse('ALARM_CLOSED', `alarm is ${alarm.state}`)
    this.#close(alarm, 'cancelled', actor, {}, undefined, note)
    return ok(alarm)
  }

  /** The centre resolves, with an outcome. */
  resolve(alarmId: string, actor: string, outcome: Outcome | undefined, note?: string): Result<Alarm> {
    const alarm = this.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (!openStates.has(alarm.state)) return refuse('ALARM_CLOSED', `alarm is ${alarm.state}`)
    if (!outcome) return refuse('OUTCOME_REQUIRED', 'resolve needs an outcome')
    this.#close(alarm, 'resolved', actor, { outcome }, undefined, note, outcome)
    return ok(alarm)
  }

  note(alarmId: string, actor: string, note: string): Result<Alarm> {
    const alarm = this.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    this.#d.journal.write((w) => w.add(alarm, 'note', { actor, note }))
    return ok(alarm)
  }

  /**
   * a rating from the elder, the family or a call-back, recorded on
   * the timeline as `rated`. Only a closed alarm (resolved or cancelled) can
   * be rated: the service it rates is over. Several ratings may be given.
   */
  rate(alarmId: string, actor: string, rating: Rating): Result<Alarm> {
    const alarm = this.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (openStates.has(alarm.state))
      return refuse('INVALID_STATE', `alarm is ${alarm.state}: rate it once closed`)
    this.#d.journal.write((w) =>
      w.add(alarm, 'rated', { actor, note: rating.note, data: { score: rating.score, by: rating.by } }),
    )
    return ok(alarm)
  }

  /** The centre flags an alarm as escalated by hand. */
  escalate(alarmId: string, actor: string, note?: string): Result<Alarm> {
    const alarm = this.get(alarmId)
    if (!alarm) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (!openStates.has(alarm.state)) return refuse('ALARM_CLOSED', `alarm is ${alarm.state}`)
    if (alarm.escalated) return ok(alarm)
    this.#d.journal.write((w) => {
      alarm.escalated = true
      w.add(alarm, 'escalated', { actor, note, data: { reason: 'manual' } })
    })
    this.#d.metrics.inc('care_alarms_escalated_total', { reason: 'manual' })
    return ok(alarm)
  }

  #close(
    alarm: Alarm,
    state: 'cancelled' | 'resolved',
    actor: string,
    data: Record<string, unknown>,
    alsoInTx?: (w: unknown) => void,
    note?: string,
    outcome?: Outcome,
  ): void {
    const previousCarer = alarm.carerId
    const withdrawn = this.#d.journal.write((w) => {
      alsoInTx?.(w)
      const gone = this.#d.dispatcher.closeOut(alarm, w, 'system')
      alarm.state = state
      alarm.resolvedAt = this.#d.clock.now()
      if (outcome) alarm.outcome = outcome
      w.add(alarm, state, { actor, note, data })
      return gone
    })
    this.#d.dispatcher.afterClose(alarm, withdrawn, previousCarer)
    if (alarm.deviceId)
      this.#d.downlink.notify(alarm.deviceId, notifyMessage(this.#d.locale, alarm.id, state))
  }

  #openAlarmOf(elderId: string, kind: AlarmKind): Alarm | undefined {
    const page = this.#d.journal.store.list({
      elderId,
      kind: [kind],
      state: ['open', 'offered', 'accepted', 'arrived'],
      limit: 1,
    })
    return page.items[0]
  }

  /** The alarm a cancel means: the one its `ref` raised, else the device's latest open sos. */
  #cancelTarget(deviceId: string, ref: string | undefined): Alarm | undefined {
    const store = this.#d.journal.store
    if (ref !== undefined) {
      const seen = store.seenMessage(deviceId, ref)
      const alarm = seen?.alarmId ? store.get(seen.alarmId) : undefined
      return alarm && openStates.has(alarm.state) ? alarm : undefined
    }
    return store
      .open()
      .filter((a) => a.deviceId === deviceId && a.kind === 'sos')
      .sort((a, b) => b.raisedAt - a.raisedAt)[0]
  }
}
