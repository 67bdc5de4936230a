import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as centre from '../../gateway/alarms/machine/centre.ts'
import type { Deadline, Decision } from '../../gateway/alarms/machine/decision.ts'
import { cancelFromDevice } from '../../gateway/alarms/machine/device.ts'
import { Draft, type Facts } from '../../gateway/alarms/machine/draft.ts'
import { raise } from '../../gateway/alarms/machine/raise.ts'
import { reply } from '../../gateway/alarms/machine/replies.ts'
import { deadline } from '../../gateway/alarms/machine/timers.ts'
import type { Alarm, AlarmKind, TimelineEntry } from '../../gateway/alarms/model.ts'
import type { OfferRecord } from '../../gateway/alarms/offers.ts'
import { defaultPriorities } from '../../gateway/alarms/priority.ts'
import { rankCandidates } from '../../gateway/dispatch/engine.ts'
import { type CarerState, defaultRules, type Risk } from '../../gateway/dispatch/types.ts'
import type { Elder } from '../../gateway/registry/schemas.ts'
import { sequentialIds } from '../../kernel/ports/ids.ts'

/**
 * The alarm machine under random sequences of events — carers' replies, the
 * centre's actions, the device's cancel, deadlines coming due — applied the
 * way the shell applies them. After every step the lifecycle's invariants hold.
 */

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0)
const HOME = { lat: 37.3835, lon: 117.9707 }
const north = (m: number) => ({ lat: HOME.lat + m / 111_320, lon: HOME.lon })
const CARERS = ['C1', 'C2', 'C3', 'C4', 'C5']

function anElder(risk: Risk): Elder {
  return { id: 'E1', name: '张秀英', home: HOME, risk, createdAt: T0, updatedAt: T0 }
}

/** A small world the machine decides in: five carers around the elder, the deadlines armed, who is busy. */
class World {
  alarm: Alarm | undefined
  offers: OfferRecord[] = []
  timeline: TimelineEntry[] = []
  readonly deadlines = new Map<Deadline['kind'], Deadline>()
  readonly busy = new Set<string>()
  now = T0
  readonly elder: Elder
  readonly carers: CarerState[]

  constructor(risk: Risk, carersOnDuty: number) {
    this.elder = anElder(risk)
    this.carers = CARERS.slice(0, carersOnDuty).map((id, i) => ({
      id,
      mode: 'ebike',
      duty: 'on',
      busy: false,
      alarmsToday: 0,
      base: north(300 + 250 * i),
    }))
  }

  facts(): Facts {
    const now = this.now
    return {
      now,
      rules: defaultRules,
      locale: 'zh-CN',
      elder: this.elder,
      candidates: (at, exclude) =>
        rankCandidates(
          at,
          this.carers.map((c) => ({ ...c, busy: this.busy.has(c.id) })),
          now,
          defaultRules,
          exclude,
        ),
      carer: (id) => {
        const c = this.carers.find((x) => x.id === id)
        return c ? { name: id, phone: '13700000000', busy: this.busy.has(id) } : undefined
      },
    }
  }

  /** Apply a decision as the shell does: the change, the deadlines, the carer book. */
  apply(d: Decision): void {
    const a = d.change.alarm?.value
    if (a) this.alarm = { ...a }
    this.timeline.push(...d.change.entries)
    for (const o of d.change.offers.insert) this.offers.push({ ...o })
    for (const { carerId, status } of d.change.offers.status) {
      const o = this.offers.find((x) => x.carerId === carerId)
      if (o) o.status = status
    }
    for (const c of d.deadlines.cancel) this.deadlines.delete(c.kind)
    for (const due of d.deadlines.arm) this.deadlines.set(due.kind, due)
    for (const id of d.carers.free) this.busy.delete(id)
    for (const id of d.carers.busy) this.busy.add(id)
  }

  step(decide: (d: Draft) => unknown): void {
    if (!this.alarm) return
    const draft = new Draft(this.alarm, this.offers, this.facts())
    decide(draft)
    this.apply(draft.done())
  }

  /** Fire every deadline due by `until`, in order, each at its own time. */
  advance(ms: number): void {
    const until = this.now + ms
    for (;;) {
      const due = [...this.deadlines.values()].filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.deadlines.delete(due.kind)
      this.now = Math.max(this.now, due.at)
      this.step((d) => deadline(d, due))
      this.check()
    }
    this.now = until
  }

  /** The lifecycle's invariants. */
  check(): void {
    const a = this.alarm
    if (!a) return
    // timeline seq strictly increasing, without gaps, and the alarm's seq is the last one
    expect(this.timeline.map((e) => e.seq)).toEqual(this.timeline.map((_, i) => i + 1))
    expect(a.seq).toBe(this.timeline.length)
    const pending = this.offers.filter((o) => o.status === 'pending')
    const closed = a.state === 'resolved' || a.state === 'cancelled'
    if (closed) {
      // no offer outlives its alarm, no deadline either, and nobody is held by it
      expect(pending).toEqual([])
      expect([...this.deadlines.keys()]).toEqual([])
      expect([...this.busy]).toEqual([])
      return
    }
    // one holder at most: the only carer this alarm keeps busy is the one it names
    expect([...this.busy].every((id) => id === a.carerId)).toBe(true)
    if (a.state === 'accepted' || a.state === 'arrived') {
      expect(a.carerId).toBeDefined()
      expect(this.busy.has(a.carerId ?? '')).toBe(true)
      expect(pending).toEqual([])
    }
    if (a.state === 'offered') {
      // an open round has its offers and its deadline
      expect(pending.length).toBeGreaterThan(0)
      expect(pending.every((o) => o.round === a.round)).toBe(true)
      const expiry = this.deadlines.get('expiry')
      expect(expiry?.kind === 'expiry' && expiry.round).toBe(a.round)
    }
    if (a.state === 'open') {
      // nobody is being asked: the centre has it (escalated), or it is never offered (priority 4)
      expect(a.escalated || a.priority === 4).toBe(true)
      expect(pending).toEqual([])
    }
  }
}

type Event =
  | { type: 'wait'; ms: number }
  | { type: 'reply'; carer: string; action: 'accept' | 'decline' | 'arrive' | 'resolve' }
  | { type: 'assign'; carer: string }
  | { type: 'resolve' | 'cancel' | 'escalate' | 'note' }
  | { type: 'deviceCancel' }

const carer = fc.constantFrom(...CARERS)
const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 150_000 }) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('reply' as const),
      carer,
      action: fc.constantFrom('accept' as const, 'decline' as const, 'arrive' as const, 'resolve' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('assign' as const), carer }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom('resolve' as const, 'cancel' as const, 'escalate' as const, 'note' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deviceCancel' as const) }) },
)

function play(w: World, e: Event): void {
  switch (e.type) {
    case 'wait':
      return w.advance(e.ms)
    case 'reply':
      return w.step((d) =>
        reply(d, e.carer, { alarmId: d.alarm.id, action: e.action, ts: w.now, outcome: 'assisted' }),
      )
    case 'assign':
      return w.step((d) => centre.assign(d, e.carer, 'dispatcher'))
    case 'resolve':
      return w.step((d) => centre.resolve(d, 'dispatcher', 'assisted'))
    case 'cancel':
      return w.step((d) => centre.cancel(d, 'dispatcher'))
    case 'escalate':
      return w.step((d) => centre.escalate(d, 'dispatcher'))
    case 'note':
      return w.step((d) => centre.note(d, 'dispatcher', '回访'))
    case 'deviceCancel':
      return w.step((d) => cancelFromDevice(d, 'D1', { id: `c${w.now}`, ts: w.now }, 'cancel', w.now, 30_000))
  }
}

describe('the alarm machine under random events', () => {
  it('keeps every invariant after every step', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<AlarmKind>('sos', 'fall', 'fence_exit', 'device_offline', 'low_battery'),
        fc.constantFrom<Risk>('high', 'medium', 'low'),
        fc.integer({ min: 0, max: 5 }),
        fc.array(event, { maxLength: 40 }),
        (kind, risk, onDuty, events) => {
          const w = new World(risk, onDuty)
          const raised = raise(
            {
              kind,
              elderId: 'E1',
              deviceId: 'D1',
              actor: 'D1',
              message: { deviceId: 'D1', id: 'm1', topic: 'sos' },
            },
            { seen: undefined, open: undefined, ids: sequentialIds(), priorities: defaultPriorities },
            w.facts(),
          )
          expect(raised.result.ok).toBe(true)
          w.apply(raised.decision)
          w.check()
          for (const e of events) {
            play(w, e)
            w.check()
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it('never lets two accepts both win, whatever else happens between them', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const w = new World('medium', 5)
        const raised = raise(
          { kind: 'sos', elderId: 'E1', deviceId: 'D1', actor: 'D1' },
          { seen: undefined, open: undefined, ids: sequentialIds(), priorities: defaultPriorities },
          w.facts(),
        )
        w.apply(raised.decision)
        for (const e of events) play(w, e)
        const accepts = w.timeline.filter((e) => e.type === 'accepted' || e.type === 'reassigned')
        const withdrawnAfter = (i: number, id: string) =>
          w.timeline.slice(i + 1).some((e) => e.type === 'withdrawn' && e.carerId === id)
        // every accept but the last was taken back (reassigned) before the next one
        accepts.slice(0, -1).forEach((e, i) => {
          const next = accepts[i + 1]
          expect(next?.type === 'reassigned' || withdrawnAfter(w.timeline.indexOf(e), e.carerId ?? '')).toBe(
            true,
          )
        })
      }),
      { numRuns: 300 },
    )
  })
})
