import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

describe('integration events on care/v1/events/alarm', () => {
  it('publishes one event per timeline entry, with seq increasing, to a service principal', async () => {
    const put = await world.api('PUT', '/api/v1/services/flows', {
      name: 'notifications',
      secret: 'service-secret-1',
    })
    expect(put.status).toBe(201)
    const service = await TestClient.connect(world.mqttUrl, 'flows', 'service-secret-1')
    world.clients.push(service)
    expect(await service.subscribe('care/v1/events/#')).toEqual([1])

    await world.elder('E01', { grid: ['Haifeng St', 'Dongguan', 'G03'] })
    const device = await world.device('D01', 'E01')
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: world.clock.now() })
    const offer = await carer.next((r) => r.message.action === 'offer')
    const alarmId = offer.message.alarmId as string
    await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    const accepted = await service.next((r) => r.message.type === 'accepted')
    expect(accepted.topic).toBe('care/v1/events/alarm')
    expect(accepted.message).toMatchObject({
      alarmId,
      type: 'accepted',
      elderId: 'E01',
      deviceId: 'D01',
      kind: 'sos',
      priority: 1,
      state: 'accepted',
      carerId: 'C01',
    })
    const events = service.messages((r) => r.message.alarmId === alarmId)
    expect(events.map((e) => e.type)).toEqual(['raised', 'notified', 'offered', 'accepted'])
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4])
  })

  it('refuses the events to devices and carers', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    expect(await device.subscribe('care/v1/events/#')).toEqual([128])
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    expect(await carer.subscribe('care/v1/events/alarm')).toEqual([128])
  })

  it('lets a service read events and nothing else', async () => {
    await world.api('PUT', '/api/v1/services/flows', { secret: 'service-secret-1' })
    const service = await TestClient.connect(world.mqttUrl, 'flows', 'service-secret-1')
    world.clients.push(service)
    expect(await service.subscribe('care/v1/dev/+/notify')).toEqual([128])
    const taken = await world.api('PUT', '/api/v1/carers/flows', {
      name: 'x',
      mode: 'walk',
      secret: 'secret-123',
    })
    expect(taken.status).toBe(409)
  })
})
