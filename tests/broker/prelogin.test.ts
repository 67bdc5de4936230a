import { type Socket, connect as tcpConnect } from 'node:net'
import mqtt from 'mqtt'
import { generate } from 'mqtt-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { eventually } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

// security: memory filled before login — packets refused on their fixed header, CONNECT first, a
// connect timeout, and sockets that never log in counted against the connection cap

let world: World
afterEach(async () => {
  await world.stop()
})

/** 0x30 PUBLISH, remaining length 268,435,455: the most MQTT can announce. */
const HUGE_PUBLISH = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])
const HUGE_CONNECT = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])

interface Raw {
  socket: Socket
  closed: Promise<void>
  isClosed(): boolean
  received(): number
}

/** A raw TCP socket to the broker, connected. */
async function raw(w: World): Promise<Raw> {
  const socket = tcpConnect(w.app.surface.ports.mqtt ?? 0, '127.0.0.1')
  let closed = false
  let received = 0
  socket.on('error', () => undefined)
  socket.on('data', (d: Buffer) => {
    received += d.length
  })
  const closedP = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true
      resolve()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('close', () => reject(new Error('closed before connecting')))
  })
  return { socket, closed: closedP, isClosed: () => closed, received: () => received }
}

function refusals(w: World, reason: string): number {
  return w.app.surface.metrics.get('care_mqtt_refused_total', { reason })
}

function connackCode(w: World, id: string): Promise<number> {
  const client = mqtt.connect(w.mqttUrl, {
    username: id,
    password: `secret-${id}`,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  })
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.end(true)
      resolve(0)
    })
    client.once('error', (error) => {
      client.end(true)
      resolve((error as { code?: number }).code ?? -1)
    })
  })
}

async function registered(w: World, id: string): Promise<void> {
  const res = await w.api('PUT', `/api/v1/devices/${id}`, {
    kind: 'watch',
    elderId: 'E01',
    secret: `secret-${id}`,
  })
  expect(res.status).toBeLessThan(300)
}

describe('before login', () => {
  it('closes a socket whose first packet is not a CONNECT, on the fixed header alone', async () => {
    world = await startWorld()
    const attacker = await raw(world)
    // five bytes and nothing after: the gateway must decide on them
    attacker.socket.write(HUGE_PUBLISH)
    await attacker.closed
    expect(attacker.received()).toBe(0)
    expect(refusals(world, 'connect_first')).toBe(1)
  })

  it('closes a CONNECT announcing more than the largest packet, on its fixed header alone', async () => {
    world = await startWorld()
    const attacker = await raw(world)
    attacker.socket.write(HUGE_CONNECT)
    await attacker.closed
    expect(attacker.received()).toBe(0)
    expect(refusals(world, 'packet_too_large')).toBe(1)
    const rows = world
      .db()
      .prepare("SELECT actor, detail FROM audit WHERE action = 'mqtt.packet_too_large'")
      .all() as { actor: string | null; detail: string }[]
    expect(rows).toHaveLength(1)
    expect(JSON.parse(rows[0]?.detail ?? '{}')).toMatchObject({
      address: '127.0.0.1',
      count: 1,
      limit: 4096 + 512,
    })
  })

  it('closes sockets streaming a 256 MiB packet, and serves a device meanwhile', async () => {
    world = await startWorld()
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const attackers = await Promise.all(Array.from({ length: 6 }, () => raw(world)))
    const zeros = Buffer.alloc(64 * 1024)
    for (const a of attackers) {
      const stream = () => {
        while (!a.isClosed() && a.socket.write(zeros));
        if (!a.isClosed()) a.socket.once('drain', stream)
      }
      a.socket.write(HUGE_PUBLISH)
      stream()
    }
    await Promise.all(attackers.map((a) => a.closed))
    // what the kernel took before the close, not what the gateway kept: far from the 256 MiB announced
    for (const a of attackers) expect(a.socket.bytesWritten).toBeLessThan(64 * 1_048_576)
    expect(refusals(world, 'connect_first')).toBe(6)
    // six refusals from one address: one audit row for the window so far
    const rows = world
      .db()
      .prepare("SELECT count(*) AS n FROM audit WHERE action = 'mqtt.connect_first'")
      .get()
    expect(rows).toEqual({ n: 1 })
    await device.publish(topics.deviceUplink('D01', 'sos'), { id: 's1', ts: world.clock.now() })
    await device.next((r) => r.message.state === 'received')
  })

  it('closes a socket that does not send its CONNECT in time', async () => {
    world = await startWorld({ env: { CARE_CONNECT_TIMEOUT_MS: '100' } })
    const silent = await raw(world)
    const slow = await raw(world)
    slow.socket.write(Buffer.from([0x10, 0x40])) // a CONNECT's header, and then nothing of its 64 bytes
    await Promise.all([silent.closed, slow.closed])
    expect(refusals(world, 'connect_timeout')).toBe(2)
  })
})

describe('the connection cap', () => {
  it('counts sockets that have not logged in, and frees their places when they close', async () => {
    world = await startWorld({ env: { CARE_MAX_CONNECTIONS: '2', CARE_CONNECT_TIMEOUT_MS: '600000' } })
    await world.elder('E01')
    await registered(world, 'D01')
    const silent = [await raw(world), await raw(world)]
    expect(await connackCode(world, 'D01')).toBe(3)
    expect(refusals(world, 'connection_cap')).toBe(1)
    silent[0]?.socket.destroy()
    await eventually(() => silent[0]?.isClosed() === true, 3_000, 'the silent socket gone')
    const deadline = Date.now() + 3_000
    let code = await connackCode(world, 'D01')
    while (code !== 0 && Date.now() < deadline) code = await connackCode(world, 'D01')
    expect(code).toBe(0)
  })

  it('closes at once, without reading it, a socket past the cap and the room kept for saying so', async () => {
    world = await startWorld({ env: { CARE_MAX_CONNECTIONS: '2', CARE_CONNECT_TIMEOUT_MS: '600000' } })
    const waiting: Raw[] = []
    for (let i = 0; i < 2 + 64; i++) waiting.push(await raw(world))
    // the listener takes sockets in the order they connected: all of the above before this one
    const late = await raw(world).catch(() => undefined)
    if (late) await late.closed
    expect(refusals(world, 'connection_cap')).toBe(1)
    expect(waiting.filter((w) => w.isClosed())).toEqual([])
  })
})

describe('after login', () => {
  it('closes a device’s packet announcing more than the largest packet, on its header', async () => {
    world = await startWorld()
    await world.elder('E01')
    await registered(world, 'D01')
    const device = await raw(world)
    device.socket.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: 'raw-D01',
        keepalive: 30,
        username: 'D01',
        password: Buffer.from('secret-D01'),
      }),
    )
    await eventually(() => device.received() >= 4, 3_000, 'the CONNACK') // 0x20 0x02 0x00 0x00
    device.socket.write(HUGE_PUBLISH)
    await device.closed
    expect(refusals(world, 'packet_too_large')).toBe(1)
    const [row] = world
      .db()
      .prepare("SELECT actor FROM audit WHERE action = 'mqtt.packet_too_large'")
      .all() as { actor: string }[]
    expect(row?.actor).toBe('D01')
  })
})
