import { describe, expect, it } from 'vitest'
import { AlarmFeed } from '../../gateway/alarms/feed.ts'
import { AlarmLifecycle } from '../../gateway/alarms/lifecycle.ts'
import type { Alarm, TimelineEntry } from '../../gateway/alarms/model.ts'
import { defaultPriorities } from '../../gateway/alarms/priority.ts'
import { CarerBook } from '../../gateway/carers/book.ts'
import type { CarerStateRepository } from '../../gateway/carers/ports.ts'
import { defaultRules } from '../../gateway/dispatch/types.ts'
import type { Carer, Elder } from '../../gateway/registry/schemas.ts'
import type { NotifyMessage, TaskMessage } from '../../kernel/contract/payloads.ts'
import type { AuditEntry } from '../../kernel/observe/audit.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { sequentialIds } from '../../kernel/ports/ids.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'
import { MemoryAlarms } from '../support/memory/alarms.ts'

/**
 * The shell of the alarm wing, with its ports in memory: it stores before it
 * acts, runs one elder's events one at a time, and rebuilds its deadlines
 * from what was stored.
 */

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0)
const HOME = { lat: 37.3835, lon: 117.9707 }
const north = (m: number) => ({ lat: HOME.lat + m / 111_320, lon: HOME.lon })

const elder: Elder = { id: 'E1', name: '张秀英', home: HOME, risk: 'medium', createdAt: T0, updatedAt: T0 }
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

interface Parts {
  lifecycle: AlarmLifecycle
  repo: MemoryAlarms
  scheduler: ManualScheduler
  clock: ManualClock
  sent: ({ to: string; notify: NotifyMessage } | { to: string; task: TaskMessage })[]
  heard: { alarm: Alarm; entry: TimelineEntry }[]
  audit: AuditEntry[]
  feed: AlarmFeed
}

async function parts(repo = new MemoryAlarms(), clock = new ManualClock(T0)): Promise<Parts> {
  const scheduler = new ManualScheduler(clock)
  const log = createLogger('silent')
  const metrics = new Metrics()
  const carers = new CarerBook({ repo: quietStates, clock, log, scheduler, rules: defaultRules })
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
  feed.subscribe('test', (alarm, entry) => heard.push({ alarm: { ...alarm }, entry }))
  const lifecycle = new AlarmLifecycle({
    repo,
    carers,
    elderOf: (id) => (id === elder.id ? elder : undefined),
    feed,
    downlink: {
      notify: (deviceId, message) => sent.push({ to: deviceId, notify: message }),
      task: (carerId, message) => sent.push({ to: carerId, task: message }),
    },
    scheduler,
    clock,
    ids: sequentialIds(),
    rules: defaultRules,
    priorities: defaultPriorities,
    locale: 'zh-CN',
    cancelGraceMs: 30_000,
    audit: { record: (entry) => audit.push(entry) },
    log,
    metrics,
  })
  return { lifecycle, repo, scheduler, clock, sent, heard, audit, feed }
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
    await second.scheduler.advance(3 * 3_600_000)
    const reminders = second.sent.filter((s) => 'task' in s && s.task.action === 'reminder')
    expect(reminders).toHaveLength(1)
    // C1 holds A0001: A0002's lapsed round leaves no one, and it goes to the centre
    const after = second.repo.timelines.get('A0002') ?? []
    expect(after.filter((e) => e.type === 'offer_expired').map((e) => e.carerId)).toEqual(['C2', 'C3'])
    expect(after.filter((e) => e.type === 'escalated')).toHaveLength(1)
  })
})
