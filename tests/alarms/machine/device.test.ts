import { describe, expect, it } from 'vitest'
import { cancelFromDevice } from '../../../gateway/alarms/machine/device.ts'
import { aDraft, aFacts, anOffer, aTask, firstRound, nothing, offeredAlarm, T0 } from './world.ts'

/** contract: `cancel` within 30 s of the sos closes it as cancelled; later it only adds a note; idempotent by id. */

const GRACE = 30_000
const TOPIC = 'care/v1/dev/D1/cancel'
const payload = { id: 'c1', ts: T0 + 4_000 }

function cancelAt(now: number) {
  const d = aDraft(offeredAlarm(), firstRound(), aFacts({ now }))
  return cancelFromDevice(d, 'D1', payload, TOPIC, now, GRACE)
}

describe('a cancel from the elder’s device', () => {
  it('closes the alarm as cancelled within the grace, the boundary included', () => {
    const now = T0 + GRACE
    const { decision, result } = cancelAt(now)
    expect(result).toBe('cancelled')
    const value = offeredAlarm({ state: 'cancelled', resolvedAt: now, seq: 7, updatedAt: now })
    expect(decision.change).toEqual({
      alarm: { value },
      entries: [
        { seq: 5, type: 'withdrawn', at: now, actor: 'system', carerId: 'C1' },
        { seq: 6, type: 'withdrawn', at: now, actor: 'system', carerId: 'C2' },
        { seq: 7, type: 'cancelled', at: now, actor: 'D1', data: { deviceTs: T0 + 4_000 } },
      ],
      offers: {
        insert: [],
        status: [
          { carerId: 'C1', status: 'withdrawn' },
          { carerId: 'C2', status: 'withdrawn' },
        ],
      },
      message: { deviceId: 'D1', msgId: 'c1', topic: TOPIC, at: now, alarmId: 'A0001' },
    })
    expect(decision.sends).toEqual([
      { to: 'carer', carerId: 'C1', message: aTask('withdrawn', anOffer('C1', 300)) },
      { to: 'carer', carerId: 'C2', message: aTask('withdrawn', anOffer('C2', 500)) },
      { to: 'device', deviceId: 'D1', message: { alarmId: 'A0001', state: 'cancelled', text: '求助已取消' } },
    ])
    expect(decision.deadlines).toEqual({
      arm: [],
      cancel: [
        { alarmId: 'A0001', kind: 'expiry' },
        { alarmId: 'A0001', kind: 'reminder' },
        { alarmId: 'A0001', kind: 'response' },
      ],
    })
  })

  it('only notes a cancel that comes after the grace, and remembers it', () => {
    const now = T0 + GRACE + 1
    const { decision, result } = cancelAt(now)
    expect(result).toBe('noted')
    const value = offeredAlarm({ seq: 5, updatedAt: now })
    expect(decision).toEqual({
      ...nothing(),
      change: {
        alarm: { value },
        entries: [
          {
            seq: 5,
            type: 'note',
            at: now,
            actor: 'D1',
            note: 'cancel_after_grace',
            data: { deviceTs: T0 + 4_000 },
          },
        ],
        offers: { insert: [], status: [] },
        message: { deviceId: 'D1', msgId: 'c1', topic: TOPIC, at: now, alarmId: 'A0001' },
      },
      emitted: [{ alarm: value, entry: decision.change.entries[0] }],
    })
  })

  it('remembers a cancel that names no open alarm, and ignores it', () => {
    const now = T0 + 5_000
    expect(cancelFromDevice(undefined, 'D1', payload, TOPIC, now, GRACE)).toEqual({
      result: 'ignored',
      decision: {
        ...nothing(),
        change: {
          entries: [],
          offers: { insert: [], status: [] },
          message: { deviceId: 'D1', msgId: 'c1', topic: TOPIC, at: now, alarmId: null },
        },
      },
    })
  })
})
