import { type Socket, connect as tcp } from 'node:net'
import { generate } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seeded } from '../resilience/harness.ts'
import { startWorld, type World } from '../support/world.ts'

let world: World
let port = 0
beforeAll(async () => {
  world = await startWorld()
  port = world.app.broker.ports.mqtt ?? 0
  await world.elder('E01')
  await world.elder('E02')
  await world.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
})
afterAll(async () => {
  await world.stop()
})

/** Open a raw socket, write the frames, and wait until the broker closes it (or a short while passes). */
function send(frames: Buffer[], waitMs = 300): Promise<{ closedByServer: boolean; got: Buffer }> {
  return new Promise((resolve) => {
    const socket: Socket = tcp(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let closedByServer = false
    socket.on('data', (d) => chunks.push(d))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      closedByServer = true
    })
    socket.on('connect', () => {
      for (const f of frames) socket.write(f)
    })
    setTimeout(() => {
      socket.destroy()
      resolve({ closedByServer, got: Buffer.concat(chunks) })
    }, waitMs)
  })
}

const login = () =>
  generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `fuzz-${Math.random()}`,
    keepalive: 30,
    username: 'D01',
    password: Buffer.from('secret-D01'),
  })

describe('the broker on the wire', () => {
  it('survives random bytes', async () => {
    const random = seeded(7)
    for (let i = 0; i < 60; i++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      )
      await send([bytes], 30)
    }
  })

  it('closes a packet that announces a huge remaining length, without allocating it', async () => {
    const before = process.memoryUsage().rss
    const r = await send([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(1_024)], 500)
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1_048_576)
    expect(r.got.length).toBe(0)
  })

  it('refuses a wildcard publish, an invalid UTF-8 topic and a $SYS subscription', async () => {
    const wildcard = Buffer.concat([
      login(),
      generate({ cmd: 'publish', topic: 'care/v1/#', payload: '{}', qos: 0, dup: false, retain: false }),
    ])
    expect((await send([wildcard])).closedByServer).toBe(true)

    const topic = Buffer.from([0xc3, 0x28, 0x2f, 0x73, 0x6f, 0x73]) // not UTF-8
    const body = Buffer.concat([Buffer.from([0x00, topic.length]), topic, Buffer.from('{}')])
    const badUtf8 = Buffer.concat([login(), Buffer.from([0x30, body.length]), body])
    expect((await send([badUtf8])).closedByServer).toBe(true)

    const sys = Buffer.concat([
      login(),
      generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$SYS/#', qos: 1 }] }),
    ])
    const r = await send([sys])
    // CONNACK (4 bytes), then SUBACK granting 0x80
    expect(r.got.subarray(4)).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x01, 0x80]))
  })

  it('closes a packet whose length lies, and one sent before CONNECT', async () => {
    const short = Buffer.concat([login(), Buffer.from([0x30, 0x7f, 0x00, 0x03, 0x61])])
    await send([short], 200)
    const early = generate({
      cmd: 'publish',
      topic: 'care/v1/dev/D01/sos',
      payload: '{}',
      qos: 1,
      messageId: 3,
      dup: false,
      retain: false,
    })
    expect((await send([early])).closedByServer).toBe(true)
  })

  it('still serves everyone else afterwards', async () => {
    const device = await world.device('D02', 'E02')
    await device.publish('care/v1/dev/D02/sos', { id: 'after-fuzz', ts: world.clock.now() })
    await device.next((r) => r.message.state === 'received')
    expect(world.app.health().broker.status).toBe('up')
  })
})
