import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TrackMessage } from '../../kernel/contract/payloads.ts'
import type { Received, TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * Following a wandering elder (防走失, docs/visits.md): while a `fence_exit` alarm is open, every new
 * fix of the elder goes to the carer who holds it, on `care/v1/carer/{id}/track`; none before it is
 * held, none after it closes, none from a backlog.
 */

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const task = (action: string) => (r: Received) => r.message.action === action
const tracked = (r: Received) => r.topic.endsWith('/track')

async function fix(device: TestClient, northM: number, acc: number, ts = world.clock.now()): Promise<void> {
  await device.publish('care/v1/dev/D01/loc', { ts, ...offset(HOME, northM, 0), acc })
}

describe('following a wandering elder', () => {
  it('sends the holder each new fix while the fence exit is open, and stops when it closes', async () => {
    await world.elder('E01', { fence: { radiusM: 200 } })
    const watch = await world.device('D01', 'E01', { kind: 'watch' })
    const carer = await world.carer('C01', offset(HOME, 500, 0))
    expect(await carer.subscribe('care/v1/carer/C01/track')).toEqual([1])
    await fix(watch, 400, 15)
    await fix(watch, 450, 15)
    const offer = await carer.next(task('offer'))
    const alarmId = offer.message.alarmId as string
    // offered, not yet held: the fixes are for the board, not yet for this phone
    await fix(watch, 480, 12)
    await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    await carer.next(task('assigned'))
    await fix(watch, 600, 10)
    await fix(watch, 700, 8)
    await world.settled(carer)
    const fixes = carer.messages(tracked) as unknown as TrackMessage[]
    expect(fixes.map((f) => [Math.round(f.lat * 1e5), f.acc])).toEqual([
      [Math.round(offset(HOME, 600, 0).lat * 1e5), 10],
      [Math.round(offset(HOME, 700, 0).lat * 1e5), 8],
    ])
    expect(fixes[0]).toMatchObject({
      alarmId,
      elderId: 'E01',
      deviceId: 'D01',
      receivedAt: world.clock.now(),
    })

    // a backlog fix (ten minutes old and more) is history: it leads no search
    await fix(watch, 900, 8, world.clock.now() - 11 * 60_000)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'arrive',
      ts: world.clock.now(),
      ...offset(HOME, 700, 0),
    })
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'resolve',
      ts: world.clock.now(),
      outcome: 'assisted',
    })
    await fix(watch, 50, 8)
    await world.settled(carer)
    expect(carer.messages(tracked)).toHaveLength(2)
  })

  it('lets no carer publish on a track topic, and no one read another carer’s', async () => {
    const carer = await world.carer('C01', offset(HOME, 500, 0))
    await world.carer('C02', offset(HOME, 600, 0))
    expect(await carer.subscribe('care/v1/carer/C02/track')).toEqual([128])
    const denied = () =>
      world.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'publish_denied' })
    const before = denied()
    // a downlink topic: refused (and the connection closed, as for any publish outside one's uplinks)
    await carer
      .publish('care/v1/carer/C01/track', { alarmId: 'A0001', lat: 1, lon: 1 }, 0)
      .catch(() => undefined)
    await expect.poll(denied).toBe(before + 1)
  })
})
