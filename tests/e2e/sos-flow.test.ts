import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const isTask = (action: string) => (r: { message: Record<string, unknown> }) => r.message.action === action
const isNotify = (state: string) => (r: { message: Record<string, unknown> }) => r.message.state === state

describe('an SOS from press to resolution', () => {
  it('is received, offered to the two nearest, accepted, arrived and resolved', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const near = await world.carer('C01', offset(HOME, 300, 0))
    const second = await world.carer('C02', offset(HOME, 0, 800))
    const third = await world.carer('C03', offset(HOME, 1500, 0))

    const t0 = performance.now()
    await device.publish('care/v1/dev/D01/sos', {
      id: 'm1',
      ts: world.clock.now(),
      lat: HOME.lat,
      lon: HOME.lon,
    })
    const received = await device.next(isNotify('received'))
    expect(received.message).toMatchObject({ state: 'received', text: '已收到求助，正在为您联系服务人员' })
    const alarmId = received.message.alarmId as string

    const offer1 = await near.next(isTask('offer'))
    const offer2 = await second.next(isTask('offer'))
    const latency = { receivedMs: received.at - t0, offerMs: offer1.at - t0 }
    expect(offer1.message).toMatchObject({
      alarmId,
      alarm: { kind: 'sos', priority: 1 },
      elder: { id: 'E01', phone: '13800000000' },
    })
    expect(offer1.message.distanceM).toBeGreaterThan(280)
    expect(offer1.message.distanceM).toBeLessThan(320)
    expect(offer1.message.expiresAt).toBe(world.clock.now() + 60_000)
    expect(offer2.message.alarmId).toBe(alarmId)
    await world.settled(third)
    expect(third.messages(isTask('offer'))).toHaveLength(0)

    await second.publish('care/v1/carer/C02/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    await second.next(isTask('assigned'))
    await near.next(isTask('withdrawn'))
    const assigned = await device.next(isNotify('assigned'))
    expect(assigned.message).toMatchObject({ carer: { name: '护理员C02', phone: '13700000000' } })
    expect(assigned.message.text).toMatch(/^服务人员护理员C02正在赶来，预计\d+分钟到达$/)

    // a late accept from the other carer is refused: the first accept won
    const late = await world.api('POST', '/api/v1/carers/C01/reply', {
      alarmId,
      action: 'accept',
      ts: world.clock.now(),
    })
    expect(late.status).toBe(409)

    await world.scheduler.advance(6 * 60_000)
    const door = offset(HOME, 50, 0)
    await second.publish('care/v1/carer/C02/reply', {
      alarmId,
      action: 'arrive',
      ts: world.clock.now(),
      lat: door.lat,
      lon: door.lon,
    })
    await device.next(isNotify('arrived'))
    await second.publish('care/v1/carer/C02/reply', {
      alarmId,
      action: 'resolve',
      ts: world.clock.now(),
      outcome: 'assisted',
    })
    await device.next(isNotify('resolved'))

    const { body } = await world.api<Record<string, unknown>>('GET', `/api/v1/alarms/${alarmId}`)
    expect(body).toMatchObject({
      state: 'resolved',
      kind: 'sos',
      priority: 1,
      carerId: 'C02',
      outcome: 'assisted',
      escalated: false,
    })
    expect(body.arrivalDistanceM).toBeGreaterThan(40)
    expect(body.arrivalDistanceM).toBeLessThan(60)
    const types = (body.timeline as { type: string; seq: number }[]).map((e) => e.type)
    expect(types).toEqual([
      'raised',
      'notified',
      'offered',
      'offered',
      'accepted',
      'withdrawn',
      'arrived',
      'resolved',
    ])
    const seqs = (body.timeline as { seq: number }[]).map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    console.warn(
      `SOS latency over loopback: received ${latency.receivedMs.toFixed(1)} ms, offer ${latency.offerMs.toFixed(1)} ms`,
    )
  })

  it('opens one alarm for a retransmitted message id', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, 300, 0))
    const sos = { id: 'same', ts: world.clock.now() }
    await device.publish('care/v1/dev/D01/sos', sos)
    await device.publish('care/v1/dev/D01/sos', sos)
    await device.publish('care/v1/dev/D01/sos', sos)
    await eventually(() => device.messages(isNotify('received')).length >= 1)
    const { body } = await world.api<{ items: unknown[] }>('GET', '/api/v1/alarms')
    expect(body.items).toHaveLength(1)
    await world.settled(device)
    expect(device.messages(isNotify('received'))).toHaveLength(1)
  })

  it('alarms at the elder’s home when the SOS carries no position', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: world.clock.now() })
    const received = await device.next(isNotify('received'))
    const { body } = await world.api<Record<string, unknown>>(
      'GET',
      `/api/v1/alarms/${received.message.alarmId}`,
    )
    expect(body).toMatchObject({ lat: HOME.lat, lon: HOME.lon, kind: 'sos' })
  })
})
