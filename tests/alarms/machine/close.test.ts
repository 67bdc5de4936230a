import { describe, expect, it } from 'vitest'
import { type Closing, close } from '../../../gateway/alarms/machine/close.ts'
import type { Alarm } from '../../../gateway/alarms/model.ts'
import type { OfferRecord } from '../../../gateway/alarms/offers.ts'
import {
  acceptedAlarm,
  acceptedOffers,
  aDraft,
  aFacts,
  anAlarm,
  firstRound,
  offeredAlarm,
  T0,
} from './world.ts'

/**
 * The one way an alarm closes, whoever closes it: nothing stays pending,
 * no deadline stays armed, nobody stays held, the device hears the end,
 * and only a holder who did not close it is told to drop it.
 */

const NOW = T0 + 30 * 60_000

const closers: [string, Closing][] = [
  [
    'the centre resolving',
    { state: 'resolved', actor: 'disp:li', outcome: 'assisted', data: { outcome: 'assisted' } },
  ],
  ['the centre cancelling', { state: 'cancelled', actor: 'disp:li', data: {} }],
  ['the device cancelling', { state: 'cancelled', actor: 'D1', data: { deviceTs: T0 } }],
  [
    'the holder resolving',
    { state: 'resolved', actor: 'C1', byCarer: 'C1', outcome: 'other', data: { outcome: 'other' } },
  ],
]

const stages: [string, Alarm, OfferRecord[]][] = [
  ['raised', anAlarm({ escalated: true }), []],
  ['offered', offeredAlarm(), firstRound()],
  ['accepted', acceptedAlarm(), acceptedOffers()],
  ['arrived', acceptedAlarm({ state: 'arrived' }), acceptedOffers()],
]

describe('close', () => {
  for (const [who, how] of closers) {
    for (const [stage, alarm, offers] of stages) {
      // only the holder resolves by their own hand
      if (how.byCarer && alarm.carerId !== how.byCarer) continue
      it(`${who} an alarm ${stage}`, () => {
        const d = aDraft(alarm, offers, aFacts({ now: NOW }))
        close(d, how)
        const decision = d.done()
        const value = decision.change.alarm?.value
        expect(value).toMatchObject({ state: how.state, resolvedAt: NOW })
        if (how.outcome) expect(value?.outcome).toBe(how.outcome)
        else expect(value).not.toHaveProperty('outcome')
        // every pending offer withdrawn by the system, on the timeline and on the phone
        const pending = offers.filter((o) => o.status === 'pending').map((o) => o.carerId)
        expect(decision.change.offers.status).toEqual(
          pending.map((carerId) => ({ carerId, status: 'withdrawn' })),
        )
        const closing = {
          seq: alarm.seq + pending.length + 1,
          type: how.state,
          at: NOW,
          actor: how.actor,
          data: how.data,
        }
        expect(decision.change.entries).toEqual([
          ...pending.map((carerId, i) => ({
            seq: alarm.seq + i + 1,
            type: 'withdrawn',
            at: NOW,
            actor: 'system',
            carerId,
          })),
          how.byCarer ? { ...closing, carerId: how.byCarer } : closing,
        ])
        const holder = alarm.carerId
        const told = [...pending, ...(holder && holder !== how.byCarer ? [holder] : [])]
        expect(
          decision.sends.flatMap((s) => (s.to === 'carer' ? [[s.carerId, s.message.action]] : [])),
        ).toEqual(told.map((id) => [id, 'withdrawn']))
        expect(decision.sends.filter((s) => s.to === 'device')).toEqual([
          {
            to: 'device',
            deviceId: 'D1',
            message: expect.objectContaining({ alarmId: 'A0001', state: how.state }),
          },
        ])
        expect(decision.carers).toEqual({ busy: [], free: holder ? [holder] : [], accepted: [] })
        expect(decision.deadlines).toEqual({
          arm: [],
          cancel: [
            { alarmId: 'A0001', kind: 'expiry' },
            { alarmId: 'A0001', kind: 'reminder' },
            { alarmId: 'A0001', kind: 'response' },
          ],
        })
      })
    }
  }

  it('tells a holder who had an offer to drop it with the offer’s route', () => {
    const d = aDraft(acceptedAlarm(), acceptedOffers(), aFacts({ now: NOW }))
    close(d, { state: 'cancelled', actor: 'disp:li', data: {} })
    expect(d.done().sends[0]).toMatchObject({
      to: 'carer',
      carerId: 'C1',
      message: { distanceM: 300, etaMin: 1.3 },
    })
  })

  it('keeps the note of whoever closed it', () => {
    const d = aDraft(offeredAlarm(), [], aFacts({ now: NOW }))
    close(d, { state: 'cancelled', actor: 'disp:li', note: '误报', data: {} })
    expect(d.done().change.entries).toEqual([
      { seq: 5, type: 'cancelled', at: NOW, actor: 'disp:li', note: '误报', data: {} },
    ])
  })
})
