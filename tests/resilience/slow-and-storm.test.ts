import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

let world: World
afterEach(async () => {
  await world.stop()
})

describe('clients that misbehave', () => {
  it('drops a carer that never reads its socket, without holding anyone back', async () => {
    world = await startWorld({ env: { CARE_DRAIN_TIMEOUT_MS: '300' } })
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const stuck = await world.carer('C01', offset(HOME, 300, 0))
    expect(world.app.surface.connections()).toBe(2)
    // the phone stops reading: the kernel buffers fill, then the broker's
    ;(stuck.client.stream as unknown as { pause(): void }).pause()
    const big = { alarmId: 'x', action: 'reminder', pad: 'x'.repeat(64_000) }
    const floods: Promise<void>[] = []
    for (let i = 0; i < 300; i++)
      floods.push(world.app.surface.publish('care/v1/carer/C01/task', big, { qos: 0 }))
    // the elder is answered, and the broker gives up on the phone that does not read
    // (CARE_DRAIN_TIMEOUT_MS); how long the answer took is measured in bench/, not here
    await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
    await device.next((r) => r.message.state === 'received', 10_000)
    await eventually(() => world.app.surface.connections() === 1, 10_000)
    expect(device.client.connected).toBe(true)
    await Promise.allSettled(floods)
  })

  it('keeps serving through 1,000 connection attempts in a second, most of them wrong', async () => {
    world = await startWorld()
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const attempts = Array.from(
      { length: 1_000 },
      (_, i) =>
        new Promise<boolean>((resolve) => {
          const c = mqtt.connect(world.mqttUrl, {
            username: i % 10 === 0 ? 'D01' : `nobody${i}`,
            password: i % 10 === 0 ? 'secret-D01' : 'wrong',
            clientId: `storm-${i}`,
            reconnectPeriod: 0,
            connectTimeout: 10_000,
          })
          const done = (ok: boolean) => {
            c.end(true)
            resolve(ok)
          }
          c.once('connect', () => done(true))
          c.once('error', () => done(false))
          c.once('close', () => done(false))
        }),
    )
    const t0 = performance.now()
    const results = await Promise.all(attempts)
    const seconds = (performance.now() - t0) / 1000
    expect(results.filter(Boolean)).toHaveLength(100)
    await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
    await device.next((r) => r.message.state === 'received')
    console.warn(`connection storm: 1,000 attempts answered in ${seconds.toFixed(2)} s`)
  }, 60_000)
})
