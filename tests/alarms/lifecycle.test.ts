import { describe, expect, it } from 'vitest'
import { AlarmFeed } from '../../gateway/alarms/feed.ts'
import { AlarmLifecycle } from '../../gateway/alarms/lifecycle.ts'
import type { Alarm, TimelineEntry } from '../../gateway/alarms/model.ts'
import type { AlarmChange } from '../../gateway/alarms/ports.ts'
import { defaultPriorities } from '../../gateway/alarms/priority.ts'
import { CarerBook } from '../../gateway/carers/book.ts'
import type { CarerStateRepository } from '../../gateway/carers/ports.ts'
import { defaultRules } from '../../gateway/dispatch/types.ts'
import type { Carer, Elder } from '../../gateway/registry/schemas.ts'
import type { NotifyMessage, TaskMessage } from '../../kernel/contract/payloads.ts'
import type { AuditEntry } from '../../kernel/observe/audit.ts'
import type { HistogramName } from '../../kernel/observe/catalog.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { type Labels, Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { sequentialIds } from '../../kernel/ports/ids.ts'
import { ManualScheduler, type Task } from '../../kernel/ports/scheduler.ts'
import { MemoryAlarms } from '../support/memory/alarms.ts'

/**
 * The shell of the alarm wing, with its ports in memory: it stores before it
 * acts, runs one elder's events one at a time, and rebuilds its deadlines
 * from what was stored.
 */

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0)
const HOME = { lat: 37.3835, lon: 117.9707 }
const north = (m: number) => ({ lat: HOME.lat + m / 111_320, lon: HOME.lon })

const anElder = (id: string): Elder => ({
  id,
  name: '张秀英',
  home: HOME,
  risk: 'medium',
  createdAt: T0,
  updatedAt: T0,
})
const elders = new Map(['E1', 'E2', 'E3'].map((id) => [id, anElder(id)]))
const aCarer = (id: string, northM: number): Carer => ({
  id,
  name: `护理员${id}`,
  mode: 'ebike',
  duty: 'on',
  base: north(northM),
  createdAt: T0,
  updatedAt: T0,
})

const quietStates: CarerStateRepository = {
  load: async () => [],
  saveDuty: async () => undefined,
  savePosition: async () => undefined,
  saveSeen: async () => undefined,
}

/**
 * What the shell did, in the order it did it: each port below writes a line here after doing
 * its real work (the in-memory store, the manual scheduler, the carer book, the metrics).
 */
type Journal = string[]

class JournaledAlarms extends MemoryAlarms {
  journal: Journal = []
  override async commit(change: AlarmChange): Promise<void> {
    await super.commit(change)
    this.journal.push('store')
  }
}

class JournaledScheduler extends ManualScheduler {
  journal: Journal = []
  override at(key: string, dueAt: number, fn: Task): void {
    this.journal.push(`arm ${key}`)
    super.at(key, dueAt, fn)
  }
  override cancel(key: string): void {
    this.journal.push(`cancel ${key}`)
    super.cancel(key)
  }
}

class JournaledMetrics extends Metrics {
  journal: Journal = []
  override inc(name: string, labels?: Labels, by?: number): void {
    this.journal.push(`count ${name}`)
    super.inc(name, labels, by)
  }
  override span(
    name: HistogramName,
    alarm: { kind: string },
    fromMs: number | undefined,
    toMs: number,
  ): void {
    this.journal.push(`span ${name}`)
    super.span(name, alarm, fromMs, toMs)
  }
}

interface Parts {
  lifecycle: AlarmLifecycle
  repo: JournaledAlarms
  scheduler: ManualScheduler
  clock: ManualClock
  carers: CarerBook
  metrics: Metrics
  sent: ({ to: string; notify: NotifyMessage } | { to: string; task: TaskMessage })[]
  heard: { alarm: Alarm; entry: TimelineEntry }[]
  audit: AuditEntry[]
  feed: AlarmFeed
  journal: Journal
}

async function parts(repo = new JournaledAlarms(), clock = new ManualClock(T0)): Promise<Parts> {
  const journal: Journal = []
  repo.journal = journal
  const scheduler = new JournaledScheduler(clock)
  scheduler.journal = journal
  const log = createLogger('silent')
  const metrics = new JournaledMetrics()
  metrics.journal = journal
  const carers = new CarerBook({
    repo: quietStates,
    clock,
    log,
    scheduler: new ManualScheduler(clock),
    rules: defaultRules,
  })
  // who holds an alarm comes from the store, as at a start
  carers.load(
    [aCarer('C1', 300), aCarer('C2', 500), aCarer('C3', 700)],
    [],
    await repo.busyCarers(),
    new Map(),
  )
  const sent: Parts['sent'] = []
  const heard: Parts['heard'] = []
  const audit: AuditEntry[] = []
  const feed = new AlarmFeed(log, metrics)
  feed.subscribe('test', (alarm, entry) => {
    journal.push(`feed ${entry.type}`)
    heard.push({ alarm: { ...alarm }, entry })
  })
  const lifecycle = new AlarmLifecycle({
    repo,
    carers: {
      candidates: (at, now, exclude) => carers.candidates(at, now, exclude),
      get: (id) => carers.get(id),
      setBusy: (id, busy) => {
        journal.push(`${busy ? 'busy' : 'free'} ${id}`)
        carers.setBusy(id, busy)
      },
      countAccepted: (id, at) => {
        journal.push(`accepted ${id}`)
        carers.countAccepted(id, at)
      },
      seen: (id, at) => carers.seen(id, at),
    },
    elderOf: (id) => elders.get(id),
    feed,
    downlink: {
      notify: (deviceId, message) => {
        journal.push(`notify ${deviceId} ${message.state}`)
        sent.push({ to: deviceId, notify: message })
      },
      task: (carerId, message) => {
        journal.push(`task ${carerId} ${message.action}`)
        sent.push({ to: carerId, task: message })
      },
    },
    scheduler,
    clock,
    ids: sequentialIds(),
    rules: defaultRules,
    priorities: defaultPriorities,
    locale: 'zh-CN',
    cancelGraceMs: 30_000,
    audit: {
      record: (entry) => {
        journal.push(`audit ${entry.action}`)
        audit.push(entry)
      },
    },
    log,
    metrics,
  })
  return { lifecycle, repo, scheduler, clock, carers, metrics, sent, heard, audit, feed, journal }
}

const sos = (id = 'm1') => ({
  kind: 'sos' as const,
  elderId: 'E1',
  deviceId: 'D1',
  actor: 'D1',
  message: { deviceId: 'D1', id, topic: 'sos' },
})

describe('the alarm shell', () => {
  it('stores an SOS and its first round in one change, then says "received", then offers', async () => {
    const p = await parts()
    const result = await p.lifecycle.raise(sos())
    expect(result.ok).toBe(true)
    expect(p.repo.commits).toBe(1)
    const [first, ...rest] = p.sent
    expect(first).toMatchObject({ to: 'D1', notify: { state: 'received' } })
    expect(rest.map((s) => s.to)).toEqual(['C1', 'C2'])
    expect(p.heard.map((h) => h.entry.type)).toEqual(['raised', 'notified', 'offered', 'offered'])
    expect(p.scheduler.dueAt('offer:A0001')).toBe(T0 + 60_000)
  })

  it('sends nothing, arms nothing and tells no listener when the store refuses', async () => {
    const p = await parts()
    p.repo.failNext = 1
    await expect(p.lifecycle.raise(sos())).rejects.toThrow('store refused')
    expect(p.sent).toEqual([])
    expect(p.heard).toEqual([])
    expect(p.scheduler.dueAt('offer:A0001')).toBeUndefined()
    // the device sends again: now it is stored, once
    expect((await p.lifecycle.raise(sos())).ok).toBe(true)
    expect(p.repo.alarms.size).toBe(1)
    expect(p.sent.filter((s) => 'notify' in s)).toHaveLength(1)
  })

  it('acts once on a retransmitted press', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const again = await p.lifecycle.raise(sos())
    expect(again).toEqual({ ok: true, value: { status: 'duplicate', alarmId: 'A0001' } })
    expect(p.repo.commits).toBe(1)
  })

  it('lets exactly one of two accepts made at the same moment win', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const accept = (carerId: string) =>
      p.lifecycle.reply(carerId, { alarmId: 'A0001', action: 'accept', ts: T0 })
    const [one, two] = await Promise.all([accept('C1'), accept('C2')])
    expect([one.ok, two.ok].filter(Boolean)).toHaveLength(1)
    const loser = one.ok ? two : one
    expect(loser).toMatchObject({ ok: false, code: 'ALARM_ALREADY_ACCEPTED' })
    const timeline = p.repo.timelines.get('A0001') ?? []
    expect(timeline.filter((e) => e.type === 'accepted')).toHaveLength(1)
  })

  it('runs an expiry that comes due during a reply after it, never in the middle of it', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const accepting = p.lifecycle.reply('C1', { alarmId: 'A0001', action: 'accept', ts: T0 })
    const lapsing = p.scheduler.advance(60_000)
    await Promise.all([accepting, lapsing])
    const types = (p.repo.timelines.get('A0001') ?? []).map((e) => e.type)
    // the accept was first: the expiry found nothing pending and did nothing
    expect(types).toContain('accepted')
    expect(types).not.toContain('offer_expired')
  })

  it('keeps dispatching when a listener throws', async () => {
    const p = await parts()
    p.feed.subscribe('broken', () => {
      throw new Error('listener down')
    })
    expect((await p.lifecycle.raise(sos())).ok).toBe(true)
    expect(p.sent.map((s) => s.to)).toEqual(['D1', 'C1', 'C2'])
  })

  it('rebuilds the deadlines of stored alarms, and each fires once', async () => {
    const first = await parts()
    await first.lifecycle.raise(sos())
    await first.lifecycle.reply('C1', { alarmId: 'A0001', action: 'accept', ts: T0 })
    await first.lifecycle.raise({
      ...sos('m2'),
      kind: 'fall',
      message: { deviceId: 'D1', id: 'm2', topic: 'event' },
    })
    // a second process on the same store, at the same time
    const second = await parts(first.repo, first.clock)
    expect(await second.lifecycle.restore()).toEqual({ open: 2, armed: 2 })
    expect(second.scheduler.dueAt('remind:A0001')).toBeDefined()
    expect(second.scheduler.dueAt('offer:A0002')).toBe(T0 + 60_000)
    // the elder's graded response deadline (medium: 15 min) for both, nobody having arrived
    expect(second.scheduler.dueAt('respond:A0001')).toBe(T0 + 15 * 60_000)
    expect(second.scheduler.dueAt('respond:A0002')).toBe(T0 + 15 * 60_000)
    await second.scheduler.advance(3 * 3_600_000)
    const reminders = second.sent.filter((s) => 'task' in s && s.task.action === 'reminder')
    expect(reminders).toHaveLength(1)
    for (const id of ['A0001', 'A0002']) {
      expect(
        (second.repo.timelines.get(id) ?? []).filter((e) => e.type === 'overdue'),
        id,
      ).toHaveLength(1)
    }
    // C1 holds A0001: A0002's lapsed round leaves no one, and it goes to the centre
    const after = second.repo.timelines.get('A0002') ?? []
    expect(after.filter((e) => e.type === 'offer_expired').map((e) => e.carerId)).toEqual(['C2', 'C3'])
    expect(after.filter((e) => e.type === 'escalated')).toHaveLength(1)
  })
})

const accept = (p: Parts, carerId: string, alarmId = 'A0001') =>
  p.lifecycle.reply(carerId, { alarmId, action: 'accept', ts: p.clock.now() })

/** The ETA the accept recorded for its carer, in minutes. */
const etaOf = (p: Parts, alarmId = 'A0001') =>
  Number((p.repo.timelines.get(alarmId) ?? []).findLast((e) => e.type === 'accepted')?.data?.etaMin)

describe('what the shell does with a decision', () => {
  it('stores, then arms, then tells the carer book, then sends, then tells the listeners, then counts', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    expect(p.journal).toEqual([
      'store',
      'arm respond:A0001',
      'arm offer:A0001',
      'notify D1 received',
      'task C1 offer',
      'task C2 offer',
      'feed raised',
      'feed notified',
      'feed offered',
      'feed offered',
      'count care_alarms_raised_total',
      'count care_offers_total',
      'span care_alarm_first_offer_seconds',
    ])
    p.journal.length = 0
    p.clock.set(T0 + 10_000)
    await accept(p, 'C1')
    expect(p.journal).toEqual([
      'store',
      'cancel offer:A0001',
      'arm remind:A0001',
      'busy C1',
      'accepted C1',
      'task C1 assigned',
      'task C2 withdrawn',
      'notify D1 assigned',
      'feed accepted',
      'feed withdrawn',
      'span care_offer_accept_seconds',
    ])
    p.journal.length = 0
    await p.lifecycle.assign('A0001', 'C2', 'disp:li')
    // the carer let go is free before the new one is held
    expect(p.journal.filter((l) => /^(busy|free|accepted) /.test(l))).toEqual([
      'free C1',
      'busy C2',
      'accepted C2',
    ])
  })

  it('arms the round’s expiry, swaps it for the reminder on accept, and drops the reminder on arrival', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    expect(p.scheduler.dueAt('offer:A0001')).toBe(T0 + 60_000)
    expect(p.scheduler.dueAt('remind:A0001')).toBeUndefined()
    p.clock.set(T0 + 10_000)
    await accept(p, 'C1')
    expect(p.scheduler.dueAt('offer:A0001')).toBeUndefined()
    expect(p.scheduler.dueAt('remind:A0001')).toBe(T0 + 10_000 + etaOf(p) * 60_000 + 5 * 60_000)
    p.clock.set(T0 + 4 * 60_000)
    await p.lifecycle.reply('C1', { alarmId: 'A0001', action: 'arrive', ts: p.clock.now(), ...HOME })
    expect(p.scheduler.dueAt('remind:A0001')).toBeUndefined()
    expect(p.scheduler.size()).toBe(0)
  })

  it('arms a deadline already past for now, when it is rebuilt late', async () => {
    const first = await parts()
    await first.lifecycle.raise(sos())
    await accept(first, 'C1')
    first.clock.set(T0 + 3 * 3_600_000)
    const second = await parts(first.repo, first.clock)
    expect(await second.lifecycle.restore()).toEqual({ open: 1, armed: 1 })
    expect(second.scheduler.dueAt('remind:A0001')).toBe(T0 + 3 * 3_600_000)
  })

  it('tells the carer book who holds an alarm, who accepted today, and that the carer spoke', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    p.clock.set(T0 + 10_000)
    await accept(p, 'C1')
    expect(p.carers.get('C1')).toMatchObject({ busy: true, alarmsToday: 1, lastSeenAt: T0 + 10_000 })
    await p.lifecycle.assign('A0001', 'C2', 'disp:li')
    expect(p.carers.get('C1')).toMatchObject({ busy: false, alarmsToday: 1 })
    expect(p.carers.get('C2')).toMatchObject({ busy: true, alarmsToday: 1 })
  })

  it('brings the decision’s counters and latency spans to the metrics', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    expect(p.metrics.get('care_alarms_raised_total', { kind: 'sos', priority: '1' })).toBe(1)
    expect(p.metrics.get('care_offers_total', { priority: '1' })).toBe(2)
    p.clock.set(T0 + 12_000)
    await accept(p, 'C2')
    const text = await p.metrics.text()
    expect(text).toContain('care_alarm_first_offer_seconds_count{kind="sos"} 1')
    expect(text).toContain('care_offer_accept_seconds_sum{kind="sos"} 12')
  })

  it('refuses a late accept without storing: counted, audited, nothing sent', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    p.journal.length = 0
    const commits = p.repo.commits
    const sent = p.sent.length
    expect(await accept(p, 'C3')).toEqual({
      ok: false,
      code: 'OFFER_NOT_FOUND',
      message: 'accept refused: OFFER_NOT_FOUND',
    })
    expect(p.journal).toEqual(['count care_replies_refused_total', 'audit dispatch.accept_refused'])
    expect(p.audit).toEqual([
      {
        actor: 'C3',
        action: 'dispatch.accept_refused',
        target: 'A0001',
        detail: { code: 'OFFER_NOT_FOUND' },
      },
    ])
    expect(p.metrics.get('care_replies_refused_total', { code: 'OFFER_NOT_FOUND' })).toBe(1)
    expect(p.repo.commits).toBe(commits)
    expect(p.sent).toHaveLength(sent)
  })

  it('answers with the alarm as stored, and "no alarm" for one it does not know', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const accepted = await accept(p, 'C1')
    expect(accepted).toEqual({ ok: true, value: await p.repo.get('A0001') })
    expect(accepted.ok && accepted.value.state).toBe('accepted')
    expect(await accept(p, 'C1', 'A0999')).toEqual({
      ok: false,
      code: 'ALARM_NOT_FOUND',
      message: 'no alarm A0999',
    })
    expect(await p.lifecycle.note('A0999', 'disp:li', '?')).toEqual({
      ok: false,
      code: 'ALARM_NOT_FOUND',
      message: 'no alarm A0999',
    })
  })

  it('escalates and notes through the shell, answering with the stored alarm', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    expect(await p.lifecycle.escalate('A0001', 'disp:li', '无人接单')).toMatchObject({
      ok: true,
      value: { id: 'A0001', escalated: true },
    })
    expect(p.metrics.get('care_alarms_escalated_total', { reason: 'manual' })).toBe(1)
    expect(await p.lifecycle.note('A0001', 'disp:li', '已联系家属')).toMatchObject({
      ok: true,
      value: { seq: 6 },
    })
    expect((await p.lifecycle.timeline('A0001')).slice(-2)).toEqual([
      { seq: 5, type: 'escalated', at: T0, actor: 'disp:li', note: '无人接单', data: { reason: 'manual' } },
      { seq: 6, type: 'note', at: T0, actor: 'disp:li', note: '已联系家属' },
    ])
  })

  it('rates a closed alarm through the shell, and refuses an open one', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    expect(await p.lifecycle.rate('A0001', 'op:zhao', { score: 5, by: 'callback' })).toMatchObject({
      ok: false,
      code: 'INVALID_STATE',
    })
    await p.lifecycle.cancel('A0001', 'disp:li')
    const rated = await p.lifecycle.rate('A0001', 'op:zhao', { score: 5, by: 'callback' })
    expect(rated).toMatchObject({ ok: true, value: { id: 'A0001', state: 'cancelled' } })
    expect((await p.lifecycle.timeline('A0001')).at(-1)).toMatchObject({
      type: 'rated',
      actor: 'op:zhao',
      data: { score: 5, by: 'callback' },
    })
  })
})

describe('the shell’s reads and restarts', () => {
  it('reads an alarm and lists alarms from the store', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const stored = await p.repo.get('A0001')
    expect(stored).toMatchObject({ id: 'A0001', state: 'offered' })
    expect(await p.lifecycle.get('A0001')).toEqual(stored)
    expect(await p.lifecycle.list({ state: ['offered'], limit: 10 })).toEqual({ items: [stored] })
  })

  it('counts open alarms by state', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    await p.lifecycle.raise({
      ...sos('m2'),
      elderId: 'E2',
      deviceId: 'D2',
      message: { deviceId: 'D2', id: 'm2', topic: 'sos' },
    })
    await accept(p, 'C1')
    expect(await p.lifecycle.openByState()).toEqual({ accepted: 1, offered: 1 })
  })

  it('sends a carer’s open work again when the phone comes back, without the alarm’s state, and counts it', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    const before = p.sent.length
    expect(await p.lifecycle.resendOpenWork('C1')).toBe(1)
    // the same offer the phone was sent at the raise
    const first = p.sent.find((s) => s.to === 'C1')
    expect(first && 'task' in first && first.task.action).toBe('offer')
    expect(p.sent.slice(before)).toEqual([first])
    await accept(p, 'C1')
    const mark = p.sent.length
    expect(await p.lifecycle.resendOpenWork('C1')).toBe(1)
    const [again] = p.sent.slice(mark)
    expect(again).toMatchObject({ to: 'C1', task: { alarmId: 'A0001', action: 'assigned' } })
    expect(again && 'task' in again && 'state' in again.task).toBe(false)
    expect(p.metrics.get('care_tasks_resent_total')).toBe(2)
    // C2's offer was withdrawn: nothing to send, nothing counted
    expect(await p.lifecycle.resendOpenWork('C2')).toBe(0)
    expect(p.sent).toHaveLength(mark + 1)
    expect(p.metrics.get('care_tasks_resent_total')).toBe(2)
  })

  it('counts as armed only the alarms that got a deadline or a round back', async () => {
    const first = await parts()
    await first.lifecycle.raise(sos())
    await first.lifecycle.raise({
      ...sos('m2'),
      elderId: 'E2',
      deviceId: 'D2',
      message: { deviceId: 'D2', id: 'm2', topic: 'sos' },
    })
    // A0002's carer is there: nothing to re-arm for it
    await first.lifecycle.assign('A0002', 'C3', 'disp:li')
    await first.lifecycle.reply('C3', { alarmId: 'A0002', action: 'arrive', ts: T0, ...HOME })
    const second = await parts(first.repo, first.clock)
    expect(await second.lifecycle.restore()).toEqual({ open: 2, armed: 1 })
  })
})

describe('device messages that open no alarm, and cancels', () => {
  it('remembers a message once, and knows it again', async () => {
    const p = await parts()
    expect(await p.lifecycle.recordMessage('D1', 'door1', 'care/v1/dev/D1/event')).toBe(true)
    expect(await p.repo.seenMessage('D1', 'door1')).toEqual({ alarmId: null, topic: 'care/v1/dev/D1/event' })
    expect(await p.lifecycle.recordMessage('D1', 'door1', 'care/v1/dev/D1/event')).toBe(false)
    expect(p.repo.commits).toBe(1)
  })

  it('acts once on a retransmitted cancel: counted as a duplicate, nothing stored', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    p.clock.set(T0 + 5_000)
    const cancel = { id: 'c1', ts: T0 + 5_000 }
    expect(await p.lifecycle.cancelFromDevice('D1', cancel, 'cancel')).toBe('cancelled')
    const commits = p.repo.commits
    expect(await p.lifecycle.cancelFromDevice('D1', cancel, 'cancel')).toBe('ignored')
    expect(p.repo.commits).toBe(commits)
    expect(p.metrics.get('care_messages_duplicate_total')).toBe(1)
  })

  it('remembers a cancel that finds no open SOS, and ignores it', async () => {
    const p = await parts()
    expect(await p.lifecycle.cancelFromDevice('D1', { id: 'c1', ts: T0 }, 'cancel')).toBe('ignored')
    expect(await p.repo.seenMessage('D1', 'c1')).toEqual({ alarmId: null, topic: 'cancel' })
    expect(p.sent).toEqual([])
  })

  it('cancels the alarm its ref raised, whatever its kind', async () => {
    const p = await parts()
    await p.lifecycle.raise({
      ...sos('f1'),
      kind: 'fall',
      message: { deviceId: 'D1', id: 'f1', topic: 'event' },
    })
    p.clock.set(T0 + 5_000)
    expect(await p.lifecycle.cancelFromDevice('D1', { id: 'c1', ts: T0, ref: 'f1' }, 'cancel')).toBe(
      'cancelled',
    )
    expect((await p.repo.get('A0001'))?.state).toBe('cancelled')
    expect(await p.repo.seenMessage('D1', 'c1')).toEqual({ alarmId: 'A0001', topic: 'cancel' })
  })

  it('ignores a cancel whose ref is unknown or names a closed alarm, and leaves the closed alarm alone', async () => {
    const p = await parts()
    await p.lifecycle.raise(sos())
    await p.lifecycle.resolve('A0001', 'disp:li', 'false_alarm')
    const seq = (await p.repo.get('A0001'))?.seq
    expect(await p.lifecycle.cancelFromDevice('D1', { id: 'c1', ts: T0, ref: 'nope' }, 'cancel')).toBe(
      'ignored',
    )
    expect(await p.lifecycle.cancelFromDevice('D1', { id: 'c2', ts: T0, ref: 'm1' }, 'cancel')).toBe(
      'ignored',
    )
    expect((await p.repo.get('A0001'))?.seq).toBe(seq)
  })

  it('without a ref, cancels the device’s latest open SOS and nothing else', async () => {
    const p = await parts()
    // E1's SOS; the device then handed to E2, who presses too; a fall of E1 on it; another device's SOS last
    await p.lifecycle.raise(sos('s1'))
    p.clock.set(T0 + 5_000)
    await p.lifecycle.raise({ ...sos('s2'), elderId: 'E2' })
    p.clock.set(T0 + 8_000)
    await p.lifecycle.raise({
      ...sos('f1'),
      kind: 'fall',
      message: { deviceId: 'D1', id: 'f1', topic: 'event' },
    })
    p.clock.set(T0 + 9_000)
    await p.lifecycle.raise({
      ...sos('s3'),
      elderId: 'E3',
      deviceId: 'D2',
      message: { deviceId: 'D2', id: 's3', topic: 'sos' },
    })
    p.clock.set(T0 + 10_000)
    expect(await p.lifecycle.cancelFromDevice('D1', { id: 'c1', ts: T0 + 10_000 }, 'cancel')).toBe(
      'cancelled',
    )
    const states = await Promise.all(
      ['A0001', 'A0002', 'A0003', 'A0004'].map(async (id) => (await p.repo.get(id))?.state),
    )
    expect(states).toEqual(['offered', 'cancelled', 'offered', 'offered'])
  })
})
