import { describe, expect, it } from 'vitest'
import { type RaiseContext, type RaiseInput, raise } from '../../../gateway/alarms/machine/raise.ts'
import { type AlarmKind, alarmKinds } from '../../../gateway/alarms/model.ts'
import { defaultPriorities } from '../../../gateway/alarms/priority.ts'
import { sequentialIds } from '../../../kernel/ports/ids.ts'
import { aCarer, aFacts, aTask, HOME, north, nothing, offeredAlarm, route, T0 } from './world.ts'

/** contract: an alarm is raised once per device message, says "received", and goes straight into its first round. */

const context = (over: Partial<RaiseContext> = {}): RaiseContext => ({
  seen: undefined,
  open: undefined,
  ids: sequentialIds(),
  priorities: defaultPriorities,
  ...over,
})

const sos = (over: Partial<RaiseInput> = {}): RaiseInput => ({
  kind: 'sos',
  elderId: 'E1',
  deviceId: 'D1',
  actor: 'D1',
  message: { deviceId: 'D1', id: 'm1', topic: 'care/v1/dev/D1/sos', ts: T0 - 800 },
  data: { battery: 40 },
  ...over,
})

describe('raise: a new alarm', () => {
  it('decides the alarm, "received", the message in the ledger and the first round, all in one change', () => {
    const { decision, result } = raise(sos(), context(), aFacts())
    const alarm = {
      id: 'A0001',
      kind: 'sos',
      priority: 1,
      state: 'offered',
      escalated: false,
      elderId: 'E1',
      deviceId: 'D1',
      raisedAt: T0,
      lat: HOME.lat,
      lon: HOME.lon,
      round: 1,
      seq: 4,
      updatedAt: T0,
    }
    expect(result).toEqual({ ok: true, value: { status: 'raised', alarm } })
    const c1 = route(300)
    const c2 = route(500)
    const expiresAt = T0 + 60_000
    expect(decision).toStrictEqual({
      change: {
        alarm: {
          value: alarm,
          created: { grid: 'Haifeng St\u001fDongguan\u001fG03\u001f', msgId: 'm1' },
        },
        entries: [
          {
            seq: 1,
            type: 'raised',
            at: T0,
            actor: 'D1',
            data: { battery: 40, deviceTs: T0 - 800, atHome: true },
          },
          { seq: 2, type: 'notified', at: T0, actor: 'system', data: { state: 'received' } },
          {
            seq: 3,
            type: 'offered',
            at: T0,
            actor: 'system',
            carerId: 'C1',
            data: { round: 1, distanceM: 300, etaMin: c1.etaMin, expiresAt },
          },
          {
            seq: 4,
            type: 'offered',
            at: T0,
            actor: 'system',
            carerId: 'C2',
            data: { round: 1, distanceM: 500, etaMin: c2.etaMin, expiresAt },
          },
        ],
        offers: {
          insert: [
            { carerId: 'C1', round: 1, status: 'pending', offeredAt: T0, expiresAt, ...c1 },
            { carerId: 'C2', round: 1, status: 'pending', offeredAt: T0, expiresAt, ...c2 },
          ],
          status: [],
        },
        message: { deviceId: 'D1', msgId: 'm1', topic: 'care/v1/dev/D1/sos', at: T0, alarmId: 'A0001' },
      },
      emitted: expect.any(Array),
      deadlines: {
        arm: [
          { kind: 'response', alarmId: 'A0001', at: T0 + 15 * 60_000 },
          { kind: 'expiry', alarmId: 'A0001', at: expiresAt, round: 1 },
        ],
        cancel: [],
      },
      sends: [
        {
          to: 'device',
          deviceId: 'D1',
          message: { alarmId: 'A0001', state: 'received', text: '已收到求助，正在为您联系服务人员' },
        },
        { to: 'carer', carerId: 'C1', message: aTask('offer', { ...c1, expiresAt }) },
        { to: 'carer', carerId: 'C2', message: aTask('offer', { ...c2, expiresAt }) },
      ],
      carers: { busy: [], free: [], accepted: [] },
      counters: [
        { name: 'care_alarms_raised_total', labels: { kind: 'sos', priority: '1' } },
        { name: 'care_offers_total', labels: { priority: '1' }, by: 2 },
      ],
      spans: [{ name: 'care_alarm_first_offer_seconds', kind: 'sos', from: T0, to: T0 }],
      audit: [],
    })
    // the task as the carer's phone reads it: whole metres, a tenth of a minute
    expect(decision.sends[1]).toMatchObject({ message: { distanceM: 300, etaMin: 1.3 } })
  })

  it('tells the listeners each entry with the alarm as it stood right after it', () => {
    const { decision } = raise(sos(), context(), aFacts())
    expect(decision.emitted.map((e) => e.entry)).toEqual(decision.change.entries)
    expect(decision.emitted.map((e) => [e.alarm.seq, e.alarm.state, e.alarm.round])).toEqual([
      [1, 'open', 0],
      [2, 'open', 0],
      [3, 'offered', 1],
      [4, 'offered', 1],
    ])
  })

  it('alarms at the device’s fix when it sent one, and measures the carers from there', () => {
    const at = north(100)
    const { decision } = raise(sos({ at }), context(), aFacts())
    const alarm = decision.change.alarm?.value
    expect(alarm).toMatchObject({ lat: at.lat, lon: at.lon })
    expect(decision.change.entries[0]?.data).toEqual({ battery: 40, deviceTs: T0 - 800, atHome: false })
    expect(decision.change.offers.insert.map((o) => [o.carerId, Math.round(o.distanceM)])).toEqual([
      ['C1', 200],
      ['C2', 400],
    ])
  })

  it('records no device time when the message carried none', () => {
    const { decision } = raise(
      sos({ message: { deviceId: 'D1', id: 'm1', topic: 'care/v1/dev/D1/sos' } }),
      context(),
      aFacts(),
    )
    expect(decision.change.entries[0]?.data).toEqual({ battery: 40, atHome: true })
  })

  it.each(alarmKinds.map((k) => [k]))(
    'a device’s %s alarm says "received" only for the urgent kinds',
    (kind) => {
      const heard: AlarmKind[] = ['sos', 'fall', 'smoke', 'gas', 'manual']
      const { decision } = raise(sos({ kind }), context(), aFacts())
      const received = decision.sends.filter((s) => s.to === 'device')
      const notified = decision.change.entries.filter((e) => e.type === 'notified')
      if (heard.includes(kind)) {
        expect(received).toEqual([
          {
            to: 'device',
            deviceId: 'D1',
            message: { alarmId: 'A0001', state: 'received', text: '已收到求助，正在为您联系服务人员' },
          },
        ])
        expect(notified).toHaveLength(1)
      } else {
        expect(received).toEqual([])
        expect(notified).toEqual([])
      }
    },
  )

  it('opens a hotline alarm with no device: no "received", no ledger entry, the priority it was given', () => {
    const { decision, result } = raise(
      {
        kind: 'manual',
        elderId: 'E1',
        actor: 'op:wang',
        priority: 2,
        note: '女儿来电，老人摔倒',
      },
      context(),
      aFacts(),
    )
    expect(result.ok).toBe(true)
    const alarm = decision.change.alarm?.value
    expect(alarm).toMatchObject({ kind: 'manual', priority: 2, state: 'offered', round: 1 })
    expect(alarm).not.toHaveProperty('deviceId')
    expect(decision.change.alarm?.created).toEqual({ grid: 'Haifeng St\u001fDongguan\u001fG03\u001f' })
    expect(decision.change.entries.map((e) => e.type)).toEqual(['raised', 'offered'])
    expect(decision.change.entries[0]).toEqual({
      seq: 1,
      type: 'raised',
      at: T0,
      actor: 'op:wang',
      note: '女儿来电，老人摔倒',
      data: { atHome: true },
    })
    expect(decision.change).not.toHaveProperty('message')
    expect(decision.sends.map((s) => (s.to === 'carer' ? s.carerId : s.deviceId))).toEqual(['C1'])
    // priority 2: one carer at a time, for 120 s
    expect(decision.deadlines.arm).toEqual([
      { kind: 'response', alarmId: 'A0001', at: T0 + 15 * 60_000 },
      { kind: 'expiry', alarmId: 'A0001', at: T0 + 120_000, round: 1 },
    ])
    expect(decision.counters[0]).toEqual({
      name: 'care_alarms_raised_total',
      labels: { kind: 'manual', priority: '2' },
    })
  })

  it('holds a low-battery alarm for the centre: no offer, no escalation, no deadline', () => {
    const { decision } = raise(sos({ kind: 'low_battery' }), context(), aFacts())
    expect(decision.change.alarm?.value).toMatchObject({
      priority: 4,
      state: 'open',
      escalated: false,
      round: 0,
    })
    expect(decision.change.entries.map((e) => e.type)).toEqual(['raised'])
    expect(decision.deadlines).toEqual({ arm: [], cancel: [] })
    expect(decision.sends).toEqual([])
    expect(decision.spans).toEqual([])
  })

  it('escalates at once when no carer can go', () => {
    const { decision } = raise(sos(), context(), aFacts({ carers: [aCarer('C1', 300, { duty: 'off' })] }))
    expect(decision.change.alarm?.value).toMatchObject({ state: 'open', escalated: true, round: 0, seq: 3 })
    expect(decision.change.entries[2]).toEqual({
      seq: 3,
      type: 'escalated',
      at: T0,
      actor: 'system',
      data: { reason: 'no_candidate', round: 0 },
    })
    expect(decision.counters).toEqual([
      { name: 'care_alarms_raised_total', labels: { kind: 'sos', priority: '1' } },
      { name: 'care_alarms_escalated_total', labels: { reason: 'no_candidate' } },
    ])
    expect(decision.spans).toEqual([])
    // with the centre: no offer round, only the elder's response deadline (medium: 15 min)
    expect(decision.deadlines.arm).toEqual([{ kind: 'response', alarmId: 'A0001', at: T0 + 15 * 60_000 }])
  })
})

describe('raise: refusals, retransmissions and second alarms', () => {
  it('refuses an elder it does not know, deciding nothing', () => {
    const { decision, result } = raise(sos({ elderId: 'E9' }), context(), aFacts({ elder: undefined }))
    expect(result).toEqual({ ok: false, code: 'ELDER_NOT_FOUND', message: 'no elder E9' })
    expect(decision).toEqual(nothing())
  })

  it('acts no more on a message it has seen: only counted, answered with the alarm it raised', () => {
    const { decision, result } = raise(sos(), context({ seen: { alarmId: 'A0001' } }), aFacts())
    expect(result).toEqual({ ok: true, value: { status: 'duplicate', alarmId: 'A0001' } })
    expect(decision).toEqual({ ...nothing(), counters: [{ name: 'care_messages_duplicate_total' }] })
  })

  it('notes a second press on the elder’s open alarm, remembers it, and says "received" again', () => {
    const open = offeredAlarm()
    const facts = aFacts({ now: T0 + 20_000 })
    const { decision, result } = raise(
      sos({ message: { deviceId: 'D1', id: 'm2', topic: 'sos' } }),
      context({ open }),
      facts,
    )
    const value = { ...open, seq: 5, updatedAt: T0 + 20_000 }
    expect(result).toEqual({ ok: true, value: { status: 'repeated', alarm: value } })
    expect(decision).toStrictEqual({
      ...nothing(),
      change: {
        alarm: { value },
        entries: [
          {
            seq: 5,
            type: 'note',
            at: T0 + 20_000,
            actor: 'D1',
            note: 'repeated',
            data: { battery: 40, repeated: true },
          },
        ],
        offers: { insert: [], status: [] },
        message: { deviceId: 'D1', msgId: 'm2', topic: 'sos', at: T0 + 20_000, alarmId: 'A0001' },
      },
      emitted: [{ alarm: value, entry: decision.change.entries[0] }],
      sends: [
        {
          to: 'device',
          deviceId: 'D1',
          message: { alarmId: 'A0001', state: 'received', text: '已收到求助，正在为您联系服务人员' },
        },
      ],
    })
  })

  it('notes a second alarm of a kind the elder does not hear of, without a word to the device', () => {
    const open = offeredAlarm({ kind: 'fence_exit', priority: 2 })
    const { decision } = raise(sos({ kind: 'fence_exit' }), context({ open }), aFacts())
    expect(decision.change.entries.map((e) => e.type)).toEqual(['note'])
    expect(decision.sends).toEqual([])
  })

  it('notes a second hotline call without a ledger entry', () => {
    const open = offeredAlarm({ kind: 'manual' })
    delete open.deviceId
    const { decision } = raise(
      { kind: 'manual', elderId: 'E1', actor: 'op:wang' },
      context({ open }),
      aFacts(),
    )
    expect(decision.change.entries).toEqual([
      { seq: 5, type: 'note', at: T0, actor: 'op:wang', note: 'repeated', data: { repeated: true } },
    ])
    expect(decision.change).not.toHaveProperty('message')
    expect(decision.sends).toEqual([])
  })
})
