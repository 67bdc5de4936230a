import type { CancelPayload, Outcome, ReplyPayload } from '../../kernel/contract/payloads.ts'
import type { AuditTrail } from '../../kernel/observe/audit.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Ids } from '../../kernel/ports/ids.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { Candidate, DispatchRules, Point } from '../dispatch/types.ts'
import type { Elder } from '../registry/schemas.ts'
import type { AlarmFeed } from './feed.ts'
import * as centre from './machine/centre.ts'
import type { Deadline, Decision } from './machine/decision.ts'
import { emptyDecision, stores } from './machine/decision.ts'
import { type CancelResult, cancelFromDevice } from './machine/device.ts'
import { type CarerFacts, Draft, type Facts } from './machine/draft.ts'
import { type RaiseInput, type RaiseResult, raise } from './machine/raise.ts'
import { reply } from './machine/replies.ts'
import { deadline, restore } from './machine/timers.ts'
import type { Downlink } from './messages.ts'
import { type Alarm, openStates, type Rating, type TimelineEntry } from './model.ts'
import type { OfferRecord } from './offers.ts'
import { type AlarmFilter, type AlarmRepository, ConcurrentChangeError, type Page } from './ports.ts'
import type { PriorityTable } from './priority.ts'
import { KeyedQueue } from './queue.ts'
import { ok, type Result, refuse } from './result.ts'
import { type OpenTask, openTasks } from './tasks.ts'
import type { Locale } from './texts.ts'

export type { RaiseInput, RaiseResult }

/** Decisions refused because another node changed the alarm first, before the event gives up. */
const MAX_ATTEMPTS = 8
const deadlineKinds = ['expiry', 'reminder', 'response'] as const

/** What the lifecycle needs of the carers: who can go, who they are, and news of who holds what. */
export interface CarerView {
  candidates(at: Point, now: number, exclude: ReadonlySet<string>): Candidate[]
  get(id: string): CarerFacts | undefined
  setBusy(id: string, busy: boolean): void
  countAccepted(id: string, at: number): void
  seen(id: string, at: number): void
}

export interface LifecycleDeps {
  repo: AlarmRepository
  carers: CarerView
  elderOf: (id: string) => Elder | undefined
  feed: AlarmFeed
  downlink: Downlink
  scheduler: Scheduler
  clock: Clock
  ids: Ids
  rules: DispatchRules
  priorities: PriorityTable
  locale: Locale
  cancelGraceMs: number
  audit: AuditTrail
  log: Logger
  metrics: Metrics
}

/**
 * The shell around the alarm machine: for each event it gathers the facts,
 * asks the pure transition what to do, stores the whole change in one
 * transaction, and only then arms the deadlines, tells the carer book,
 * sends the downlinks and tells the listeners. Events of one elder's alarms
 * run one at a time (a queue keyed by elder).
 */
export class AlarmLifecycle {
  readonly #d: LifecycleDeps
  readonly #queue = new KeyedQueue()
  /** The elder of each alarm this process has touched: the queue's key for events that name only the alarm. */
  readonly #elderOfAlarm = new Map<string, string>()

  constructor(deps: LifecycleDeps) {
    this.#d = deps
  }

  // ---- reads -----------------------------------------------------------------------------------

  get(id: string): Promise<Alarm | undefined> {
    return this.#d.repo.get(id)
  }

  list(filter: AlarmFilter): Promise<Page<Alarm>> {
    return this.#d.repo.list(filter)
  }

  timeline(id: string): Promise<TimelineEntry[]> {
    return this.#d.repo.timeline(id)
  }

  openByState(): ReturnType<AlarmRepository['openByState']> {
    return this.#d.repo.openByState()
  }

  /** A carer's open work: the alarms they hold (with their state), then the offers still standing. */
  openTasks(carerId: string): Promise<OpenTask[]> {
    return openTasks(this.#d.repo, carerId, this.#d.clock.now(), this.#d.elderOf)
  }

  /**
   * contract: offers survive dropped connections and restarts. The broker keeps queued downlinks
   * only in memory, so when a carer's phone subscribes to its task topic it is sent its open work
   * again; the messages are idempotent by `alarmId`, so a phone that had them loses nothing.
   */
  async resendOpenWork(carerId: string): Promise<number> {
    const tasks = await this.openTasks(carerId)
    for (const { state: _held, ...task } of tasks) this.#d.downlink.task(carerId, task)
    if (tasks.length > 0) this.#d.metrics.inc('care_tasks_resent_total', undefined, tasks.length)
    return tasks.length
  }

  /**
   * Cluster mode: the open work of every carer offered or holding one of the alarms `only` picks,
   * sent again — a node that stored an alarm and died before its offers left leaves them to the node
   * taking its lane. Idempotent on the phone (by `alarmId`), like a resubscription's.
   */
  async resendOpenWorkOf(only: (alarm: Alarm) => boolean): Promise<number> {
    const carers = new Set<string>()
    for (const alarm of (await this.#d.repo.open()).filter(only)) {
      if (alarm.carerId !== undefined) carers.add(alarm.carerId)
      for (const offer of await this.#d.repo.offers(alarm.id))
        if (offer.status === 'pending') carers.add(offer.carerId)
    }
    let sent = 0
    for (const carerId of carers) {
      const resent = await this.resendOpenWork(carerId)
      sent += resent
    }
    return sent
  }

  // ---- events from devices -----------------------------------------------------------------------

  /** Raise an alarm; stored (and its first round offered) before this resolves. */
  raise(input: RaiseInput): Promise<Result<RaiseResult>> {
    return this.#queue.run(input.elderId, () => this.#again(() => this.#raise(input)))
  }

  async #raise(input: RaiseInput): Promise<Result<RaiseResult>> {
    const { repo } = this.#d
    const msg = input.message
    const seen = msg ? await repo.seenMessage(msg.deviceId, msg.id) : undefined
    const open = seen ? undefined : await repo.openOf(input.elderId, input.kind)
    const facts = this.#facts(input.elderId, input.elder)
    const { decision, result } = raise(
      input,
      { seen, open, ids: this.#d.ids, priorities: this.#d.priorities },
      facts,
    )
    await this.#apply(decision)
    if (result.ok && result.value.status !== 'duplicate')
      this.#elderOfAlarm.set(result.value.alarm.id, input.elderId)
    return result
  }

  /** Remember a device message that opens no alarm (a `door` event), so a retransmission is known; false if seen. */
  recordMessage(deviceId: string, msgId: string, topic: string): Promise<boolean> {
    return this.#again(async () => {
      const { repo, clock } = this.#d
      if (await repo.seenMessage(deviceId, msgId)) return false
      const decision = emptyDecision()
      decision.change.message = { deviceId, msgId, topic, at: clock.now(), alarmId: null }
      await this.#apply(decision)
      return true
    })
  }

  /** contract: `cancel` within 30 s of the sos closes it; later it only adds a note. */
  async cancelFromDevice(deviceId: string, payload: CancelPayload, topic: string): Promise<CancelResult> {
    const { repo } = this.#d
    if (await repo.seenMessage(deviceId, payload.id)) {
      this.#d.metrics.inc('care_messages_duplicate_total')
      return 'ignored'
    }
    const target = await this.#cancelTarget(deviceId, payload.ref)
    const now = this.#d.clock.now()
    if (!target) {
      const { decision, result } = cancelFromDevice(
        undefined,
        deviceId,
        payload,
        topic,
        now,
        this.#d.cancelGraceMs,
      )
      await this.#apply(decision)
      return result
    }
    const result = await this.#onAlarm(
      target.id,
      (d) => cancelFromDevice(d, deviceId, payload, topic, d.now, this.#d.cancelGraceMs).result,
    )
    return result ?? 'ignored'
  }

  // ---- events from carers and the centre ---------------------------------------------------------

  /** A carer's reply, over MQTT or HTTP. */
  async reply(carerId: string, r: ReplyPayload): Promise<Result<Alarm>> {
    const result = await this.#onAlarm(r.alarmId, (d) => {
      this.#d.carers.seen(carerId, d.now)
      return reply(d, carerId, r)
    })
    return this.#answer(r.alarmId, result)
  }

  async assign(alarmId: string, carerId: string, actor: string): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.assign(d, carerId, actor)))
  }

  async escalate(alarmId: string, actor: string, note?: string): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.escalate(d, actor, note)))
  }

  async resolve(
    alarmId: string,
    actor: string,
    outcome: Outcome | undefined,
    note?: string,
  ): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.resolve(d, actor, outcome, note)))
  }

  async cancel(alarmId: string, actor: string, note?: string): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.cancel(d, actor, note)))
  }

  async note(alarmId: string, actor: string, text: string): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.note(d, actor, text)))
  }

  async rate(alarmId: string, actor: string, rating: Rating): Promise<Result<Alarm>> {
    return this.#answer(alarmId, await this.#onAlarm(alarmId, (d) => centre.rate(d, actor, rating)))
  }

  // ---- start ------------------------------------------------------------------------------------

  /**
   * Cluster mode: this node came to hold the alarm's deadlines, or another node changed them: they
   * are worked out again from the stored alarm, as at start (what no longer applies is cancelled).
   */
  async rearm(alarmId: string): Promise<boolean> {
    for (const kind of deadlineKinds) this.#d.scheduler.cancel(deadlineKey(kind, alarmId))
    return (
      (await this.#onAlarm(alarmId, (d) => (openStates.has(d.alarm.state) ? restore(d) : false))) ?? false
    )
  }

  /** contract: open alarms and every pending deadline are rebuilt from the store at start. */
  async restore(only: (alarm: Alarm) => boolean = () => true): Promise<{ open: number; armed: number }> {
    const open = (await this.#d.repo.open()).filter(only)
    let armed = 0
    for (const alarm of open) {
      this.#elderOfAlarm.set(alarm.id, alarm.elderId)
      const set = await this.#onAlarm(alarm.id, (d) => restore(d))
      if (set) armed++
    }
    return { open: open.length, armed }
  }

  // ---- the shell ----------------------------------------------------------------------------------

  /**
   * Run one event on one alarm: in the elder's queue, read the alarm and its offers, let the
   * transition decide on a draft, apply the decision. Undefined when the alarm does not exist.
   */
  async #onAlarm<T>(alarmId: string, decide: (d: Draft) => T): Promise<T | undefined> {
    const elderId = this.#elderOfAlarm.get(alarmId) ?? (await this.#d.repo.get(alarmId))?.elderId
    if (elderId === undefined) return undefined
    this.#elderOfAlarm.set(alarmId, elderId)
    return this.#queue.run(elderId, () =>
      this.#again(async () => {
        const [alarm, offers] = await Promise.all([this.#d.repo.get(alarmId), this.#d.repo.offers(alarmId)])
        if (!alarm) return undefined
        const draft = new Draft(alarm, offers, this.#facts(alarm.elderId))
        const result = decide(draft)
        await this.#apply(draft.done())
        if (!openStates.has(draft.alarm.state)) this.#elderOfAlarm.delete(alarmId)
        return result
      }),
    )
  }

  /**
   * Runs an event's read–decide–store, and again from a fresh read when the store says another
   * node changed the alarm (or took the device message) first: nothing of the refused decision was
   * stored or done, so deciding again is safe. Bounded: a conflict that keeps coming is an error.
   */
  async #again<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run()
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError) || attempt >= MAX_ATTEMPTS) throw error
        this.#d.metrics.inc('care_alarm_conflicts_total')
      }
    }
  }

  async #answer(alarmId: string, result: Result<unknown> | undefined): Promise<Result<Alarm>> {
    if (result === undefined) return refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
    if (!result.ok) return result
    const alarm = await this.#d.repo.get(alarmId)
    return alarm ? ok(alarm) : refuse('ALARM_NOT_FOUND', `no alarm ${alarmId}`)
  }

  /** Store, then act: deadlines, the carer book, downlinks, listeners, and the decision's own account. */
  async #apply(decision: Decision): Promise<void> {
    const d = this.#d
    if (stores(decision)) await d.repo.commit(decision.change)
    for (const c of decision.deadlines.cancel) d.scheduler.cancel(deadlineKey(c.kind, c.alarmId))
    for (const due of decision.deadlines.arm) this.#arm(due)
    for (const id of decision.carers.free) d.carers.setBusy(id, false)
    for (const id of decision.carers.busy) d.carers.setBusy(id, true)
    for (const id of decision.carers.accepted) d.carers.countAccepted(id, d.clock.now())
    for (const send of decision.sends) {
      if (send.to === 'device') d.downlink.notify(send.deviceId, send.message)
      else d.downlink.task(send.carerId, send.message)
    }
    for (const { alarm, entry } of decision.emitted) d.feed.emit(alarm, entry)
    for (const c of decision.counters) d.metrics.inc(c.name, c.labels, c.by)
    for (const s of decision.spans) d.metrics.span(s.name, { kind: s.kind }, s.from, s.to)
    for (const entry of decision.audit) d.audit.record(entry)
  }

  #arm(due: Deadline): void {
    const { scheduler, clock } = this.#d
    scheduler.at(deadlineKey(due.kind, due.alarmId), Math.max(due.at, clock.now()), () =>
      this.#onAlarm(due.alarmId, (d) => deadline(d, due)).then(() => undefined),
    )
  }

  #facts(elderId: string, known?: Elder): Facts {
    const { carers, rules, locale, clock } = this.#d
    const now = clock.now()
    return {
      now,
      rules,
      locale,
      elder: known ?? this.#d.elderOf(elderId),
      candidates: (at, exclude) => carers.candidates(at, now, exclude),
      carer: (id) => carers.get(id),
    }
  }

  /** The alarm a cancel means: the one its `ref` raised, else the device's latest open sos. */
  async #cancelTarget(deviceId: string, ref: string | undefined): Promise<Alarm | undefined> {
    const { repo } = this.#d
    if (ref !== undefined) {
      const seen = await repo.seenMessage(deviceId, ref)
      const alarm = seen?.alarmId ? await repo.get(seen.alarmId) : undefined
      return alarm && openStates.has(alarm.state) ? alarm : undefined
    }
    return (await repo.open())
      .filter((a) => a.deviceId === deviceId && a.kind === 'sos')
      .sort((a, b) => b.raisedAt - a.raisedAt)[0]
  }
}

/** The scheduler's key of an alarm's deadline: one expiry, one reminder and one response deadline per alarm at most. */
export function deadlineKey(kind: Deadline['kind'], alarmId: string): string {
  switch (kind) {
    case 'expiry':
      return `offer:${alarmId}`
    case 'reminder':
      return `remind:${alarmId}`
    case 'response':
      return `respond:${alarmId}`
  }
}

export type { OfferRecord, OpenTask }
