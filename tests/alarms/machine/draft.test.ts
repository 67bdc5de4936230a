import { describe, expect, it } from 'vitest'
import { type Decision, emptyDecision, stores } from '../../../gateway/alarms/machine/decision.ts'
import { Draft } from '../../../gateway/alarms/machine/draft.ts'
import { aFacts, anAlarm, anOffer, aTask, firstRound, nothing, offeredAlarm, T0 } from './world.ts'

/** The working copy a transition writes on, and the decision it hands the shell. */

const NOW = T0 + 5_000

describe('Draft', () => {
  it('decides nothing until something is written, and never touches the alarm and offers it was given', () => {
    const alarm = offeredAlarm()
    const offers = firstRound()
    const d = new Draft(alarm, offers, aFacts({ now: NOW }))
    expect(d.done()).toEqual(nothing())
    d.alarm.state = 'accepted'
    d.setOffer('C1', 'accepted')
    expect(alarm.state).toBe('offered')
    expect(offers[0]?.status).toBe('pending')
  })

  it('stores a new alarm with where it belongs, even before any entry', () => {
    const d = new Draft(anAlarm({ seq: 0 }), [], aFacts(), { grid: 'G03\u001f', msgId: 'm1' })
    expect(d.done().change.alarm).toEqual({
      value: anAlarm({ seq: 0 }),
      created: { grid: 'G03\u001f', msgId: 'm1' },
    })
  })

  it('numbers each entry after the last, stamps it now, and keeps only the fields given', () => {
    const d = new Draft(offeredAlarm({ seq: 4 }), [], aFacts({ now: NOW }))
    const bare = d.add('note')
    expect(Object.keys(bare)).toEqual(['seq', 'type', 'at'])
    const full = d.add('declined', { actor: 'C1', carerId: 'C1', note: '在忙', data: { why: 'busy' } })
    expect(full).toEqual({
      seq: 6,
      type: 'declined',
      at: NOW,
      actor: 'C1',
      carerId: 'C1',
      note: '在忙',
      data: { why: 'busy' },
    })
    const decision = d.done()
    expect(decision.change.entries).toEqual([bare, full])
    expect(decision.change.alarm).toEqual({ value: offeredAlarm({ seq: 6, updatedAt: NOW }) })
    // each listener hears the alarm as it was right after its entry, not as it ends up
    expect(decision.emitted.map((e) => [e.alarm.seq, e.entry.seq])).toEqual([
      [5, 5],
      [6, 6],
    ])
  })

  it('saves the alarm’s row without an entry', () => {
    const d = new Draft(offeredAlarm(), [], aFacts({ now: NOW }))
    d.alarm.state = 'open'
    d.save()
    expect(d.done()).toEqual({
      ...nothing(),
      change: {
        alarm: { value: offeredAlarm({ state: 'open', updatedAt: NOW }) },
        entries: [],
        offers: { insert: [], status: [] },
      },
    })
  })

  it('keeps the offers it makes and changes on its working copy, and notes each change', () => {
    const d = new Draft(offeredAlarm(), [anOffer('C1', 300)], aFacts({ now: NOW }))
    const c2 = anOffer('C2', 500, { offeredAt: NOW })
    d.offerTo(c2)
    expect(d.offerOf('C2')).toEqual(c2)
    expect(d.pending().map((o) => o.carerId)).toEqual(['C1', 'C2'])
    expect(d.pending('C1').map((o) => o.carerId)).toEqual(['C2'])
    d.setOffer('C1', 'declined')
    expect(d.offerOf('C1')?.status).toBe('declined')
    expect(d.pending().map((o) => o.carerId)).toEqual(['C2'])
    expect(d.done().change.offers).toEqual({ insert: [c2], status: [{ carerId: 'C1', status: 'declined' }] })
    // what was noted is a copy: the working copy moving on does not rewrite it
    d.setOffer('C2', 'withdrawn')
    expect(d.done().change.offers.insert[0]?.status).toBe('pending')
  })

  it('tells the alarm’s device, and only a device that raised it', () => {
    const withDevice = new Draft(offeredAlarm(), [], aFacts())
    withDevice.notify('received')
    expect(withDevice.done().sends).toEqual([
      {
        to: 'device',
        deviceId: 'D1',
        message: { alarmId: 'A0001', state: 'received', text: '已收到求助，正在为您联系服务人员' },
      },
    ])
    const hotline = offeredAlarm({ kind: 'manual' })
    delete hotline.deviceId
    const without = new Draft(hotline, [], aFacts())
    without.notify('resolved')
    expect(without.done().sends).toEqual([])
  })

  it('addresses a task to the carer, with the route and deadline given', () => {
    const d = new Draft(offeredAlarm(), [], aFacts())
    d.task('offer', 'C2', { distanceM: 499.6, etaMin: 2.16, expiresAt: T0 + 60_000 })
    expect(d.done().sends).toEqual([
      {
        to: 'carer',
        carerId: 'C2',
        message: aTask('offer', { distanceM: 500, etaMin: 2.2, expiresAt: T0 + 60_000 }),
      },
    ])
  })

  it('writes deadlines, the carer book’s news, counters and spans as given', () => {
    const d = new Draft(offeredAlarm({ kind: 'fall' }), [], aFacts({ now: NOW }))
    d.armExpiry(2, NOW + 60_000)
    d.armReminder('C1', NOW + 600_000)
    d.cancelDeadline('expiry')
    d.busy('C1')
    d.free('C2')
    d.accepted('C1')
    d.count('care_reminders_total')
    d.count('care_offers_total', { priority: '1' })
    d.count('care_offers_expired_total', undefined, 3)
    d.span('care_offer_accept_seconds', T0)
    d.span('care_offer_accept_seconds', undefined)
    const decision: Decision = d.done()
    expect(decision).toEqual({
      ...nothing(),
      deadlines: {
        arm: [
          { kind: 'expiry', alarmId: 'A0001', at: NOW + 60_000, round: 2 },
          { kind: 'reminder', alarmId: 'A0001', at: NOW + 600_000, carerId: 'C1' },
        ],
        cancel: [{ alarmId: 'A0001', kind: 'expiry' }],
      },
      carers: { busy: ['C1'], free: ['C2'], accepted: ['C1'] },
      counters: [
        { name: 'care_reminders_total' },
        { name: 'care_offers_total', labels: { priority: '1' } },
        { name: 'care_offers_expired_total', by: 3 },
      ],
      spans: [
        { name: 'care_offer_accept_seconds', kind: 'fall', from: T0, to: NOW },
        { name: 'care_offer_accept_seconds', kind: 'fall', from: undefined, to: NOW },
      ],
    })
    expect(decision.counters.map((c) => Object.keys(c))).toEqual([
      ['name'],
      ['name', 'labels'],
      ['name', 'by'],
    ])
    // none of it is a change to store
    expect(stores(decision)).toBe(false)
  })

  it('remembers the device message it answers', () => {
    const d = new Draft(offeredAlarm(), [], aFacts())
    const message = { deviceId: 'D1', msgId: 'c1', topic: 'cancel', at: NOW, alarmId: 'A0001' }
    d.remember(message)
    expect(d.done().change.message).toEqual(message)
  })
})

describe('the decision', () => {
  it('starts empty, each one its own', () => {
    const a = emptyDecision()
    expect(a).toEqual(nothing())
    a.sends.push({ to: 'device', deviceId: 'D1', message: { alarmId: 'A1', state: 'received', text: '' } })
    expect(emptyDecision()).toEqual(nothing())
  })

  it('stores when any part of the change has something, and only then', () => {
    expect(stores(nothing())).toBe(false)
    const withAlarm = nothing()
    withAlarm.change.alarm = { value: anAlarm() }
    const withEntry = nothing()
    withEntry.change.entries = [{ seq: 3, type: 'note', at: NOW }]
    const withOffer = nothing()
    withOffer.change.offers.insert = [anOffer('C1', 300)]
    const withStatus = nothing()
    withStatus.change.offers.status = [{ carerId: 'C1', status: 'expired' }]
    const withMessage = nothing()
    withMessage.change.message = { deviceId: 'D1', msgId: 'd1', topic: 'event', at: NOW, alarmId: null }
    for (const decision of [withAlarm, withEntry, withOffer, withStatus, withMessage]) {
      expect(stores(decision)).toBe(true)
    }
  })
})
