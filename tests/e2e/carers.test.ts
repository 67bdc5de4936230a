import { afterEach, describe, expect, it } from 'vitest'
import { eventually, TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

const worlds: World[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()))
})

async function world(options: Parameters<typeof startWorld>[0] = {}): Promise<World> {
  const w = await startWorld(options)
  worlds.push(w)
  return w
}

describe('carers’ duty and position', () => {
  it('takes a carer silent for 12 hours off duty, and not one who keeps reporting', async () => {
    const w = await world()
    const quiet = await w.carer('C01', offset(HOME, 100, 0))
    const busy = await w.carer('C02', offset(HOME, 200, 0))
    for (let h = 0; h < 12; h++) {
      await w.scheduler.advance(3_600_000 - 1)
      await busy.publish('care/v1/carer/C02/loc', { ts: w.clock.now(), ...offset(HOME, 200, 0) })
      await w.scheduler.advance(1)
    }
    expect(w.app.surface.carer('C01')?.duty).toBe('off')
    expect(w.app.surface.carer('C02')?.duty).toBe('on')
    expect(quiet.client.connected).toBe(true)
  })

  it('keeps duty and open offers when the phone loses its connection', async () => {
    const w = await world()
    await w.elder('E01')
    const device = await w.device('D01', 'E01')
    const carer = await w.carer('C01', offset(HOME, 100, 0))
    await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: w.clock.now() })
    const offer = await carer.next((r) => r.message.action === 'offer')
    const connected = w.app.surface.connections()
    carer.client.stream.destroy()
    // the gateway has seen the phone go: only then does "duty unchanged" mean anything
    await eventually(() => w.app.surface.connections() === connected - 1, 5_000, 'the disconnect')
    expect(w.app.surface.carer('C01')?.duty).toBe('on')
    const tasks = await w.api<{ items: { alarmId: string; action: string }[] }>(
      'GET',
      '/api/v1/carers/C01/tasks',
    )
    expect(tasks.body.items).toEqual([
      expect.objectContaining({ alarmId: offer.message.alarmId, action: 'offer' }),
    ])
    // the carer answers over HTTP instead
    const reply = await w.api('POST', '/api/v1/carers/C01/reply', {
      alarmId: offer.message.alarmId,
      action: 'accept',
      ts: w.clock.now(),
    })
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ state: 'accepted', carerId: 'C01' })
  })

  it('keeps duty and positions across a restart', async () => {
    const first = await world({ keepData: true })
    const at = offset(HOME, 600, 0)
    await first.carer('C01', at, { base: offset(HOME, 5_000, 0) })
    const dataDir = first.dataDir
    await first.stop()
    worlds.splice(worlds.indexOf(first), 1)

    const second = await world({ dataDir })
    expect(second.app.surface.carer('C01')).toMatchObject({
      duty: 'on',
      position: { lat: at.lat, lon: at.lon },
    })
    await second.elder('E01')
    const device = await second.device('D01', 'E01')
    const carer = await TestClient.connect(second.mqttUrl, 'C01', 'secret-C01')
    second.clients.push(carer)
    await carer.subscribe('care/v1/carer/C01/task')
    await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: second.clock.now() })
    const offer = await carer.next((r) => r.message.action === 'offer')
    expect(offer.message.distanceM).toBeGreaterThan(580)
    expect(offer.message.distanceM).toBeLessThan(620)
  })

  it('lets a carer go on and off duty over HTTP', async () => {
    const w = await world()
    await w.carer('C01', offset(HOME, 100, 0))
    const off = await w.api('POST', '/api/v1/carers/C01/duty', { status: 'off' })
    expect(off.status).toBe(200)
    expect(w.app.surface.carer('C01')?.duty).toBe('off')
  })
})
