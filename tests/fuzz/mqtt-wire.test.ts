import { type Socket, connect as tcp } from 'node:net'
import { generate } from 'mqtt-packet'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { seeded } from '../resilience/harness.ts'
import type { TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

/**
 * Raw bytes on the broker's TCP port, each case judged by what the broker
 * does — it closes the socket, refuses the login, answers, or waits — and
 * every case ends with another device's SOS still answered `received`. No
 * case waits for a while: each waits for an event of the socket (the bytes
 * it expects, or its close). The broker's rules before login (broker/frames.ts):
 * CONNECT first, no packet announcing more than the payload limit plus 512
 * bytes, and a CONNECT within CARE_CONNECT_TIMEOUT_MS.
 */

/** The broker's words this file reads, byte for byte (MQTT 3.1.1). */
const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00])
const PINGREQ = Buffer.from([0xc0, 0x00])
const PINGRESP = Buffer.from([0xd0, 0x00])
/** 0x10 CONNECT announcing 268,435,455 bytes: the most MQTT can. */
const HUGE_CONNECT = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])
/** The largest packet the broker reads: the payload limit (4 KiB by default) plus 512 bytes. */
const PACKET_LIMIT = 4_096 + 512

let world: World
let port = 0
/** Another device, logged in the ordinary way: whatever the wire does, its SOS must be answered. */
let bystander: TestClient
const wires: Wire[] = []

beforeAll(async () => {
  // a socket that never completes its CONNECT is closed after this (the default is 5 s)
  world = await startWorld({ env: { CARE_CONNECT_TIMEOUT_MS: '1000' } })
  port = world.app.surface.ports.mqtt ?? 0
  await world.elder('E01')
  await world.elder('E02')
  await world.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
  bystander = await world.device('D02', 'E02')
})
afterEach(() => {
  for (const wire of wires.splice(0)) wire.destroy()
})
afterAll(async () => {
  await world.stop()
})

/** A raw TCP socket to the broker that records every byte it is sent and whether the broker closed it. */
class Wire {
  readonly socket: Socket
  readonly closed: Promise<void>
  #got = Buffer.alloc(0)
  #isClosed = false
  #destroyedByUs = false
  #onChange: (() => void)[] = []

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('error', () => undefined)
    socket.on('data', (d: Buffer) => {
      this.#got = Buffer.concat([this.#got, d])
      this.#notify()
    })
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true
        this.#notify()
        resolve()
      }),
    )
  }

  static async open(): Promise<Wire> {
    const wire = new Wire(tcp(port, '127.0.0.1'))
    wires.push(wire)
    await new Promise<void>((resolve, reject) => {
      wire.socket.once('connect', () => resolve())
      wire.socket.once('close', () => reject(new Error('closed before connecting')))
    })
    return wire
  }

  get got(): Buffer {
    return this.#got
  }

  write(...frames: Buffer[]): void {
    for (const f of frames) this.socket.write(f)
  }

  /** The bytes from `from` on, once at least `count` of them have arrived; fails if the socket closes first. */
  async receive(from: number, count: number): Promise<Buffer> {
    while (this.#got.length < from + count) {
      if (this.#isClosed)
        throw new Error(`closed by the broker after ${this.#got.toString('hex') || 'no bytes'}`)
      await new Promise<void>((resolve) => this.#onChange.push(resolve))
    }
    return this.#got.subarray(from, from + count)
  }

  /** Logs D01 in and checks the CONNACK accepts it. */
  async login(keepalive = 30): Promise<void> {
    this.write(connect(keepalive))
    expect(await this.receive(0, 4)).toEqual(CONNACK_ACCEPTED)
  }

  /** A PINGREQ answered by a PINGRESP: the connection is open and its parser in step. */
  async ping(): Promise<void> {
    const from = this.#got.length
    this.write(PINGREQ)
    expect(await this.receive(from, 2)).toEqual(PINGRESP)
  }

  /** Everything the broker sent, once the broker (never this side) has closed the socket. */
  async closedByBroker(): Promise<Buffer> {
    await this.closed
    expect(this.#destroyedByUs).toBe(false)
    return this.#got
  }

  destroy(): void {
    if (this.#isClosed) return
    this.#destroyedByUs = true
    this.socket.destroy()
  }

  #notify(): void {
    for (const resolve of this.#onChange.splice(0)) resolve()
  }
}

const connect = (keepalive: number) =>
  generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `fuzz-${Math.random()}`,
    keepalive,
    username: 'D01',
    password: Buffer.from('secret-D01'),
  })

const sosOfD01 = (id: string, messageId: number) =>
  generate({
    cmd: 'publish',
    topic: 'care/v1/dev/D01/sos',
    payload: JSON.stringify({ id, ts: world.clock.now() }),
    qos: 1,
    messageId,
    dup: false,
    retain: false,
  })

const refused = (reason: string) => world.app.surface.metrics.get('care_mqtt_refused_total', { reason })

let presses = 0
/** Another device's SOS is stored and answered `received`: the broker and the gateway go on for everyone. */
async function othersStillServed(): Promise<void> {
  const id = `bystander-${++presses}`
  const before = bystander.received.length
  await bystander.publish('care/v1/dev/D02/sos', { id, ts: world.clock.now() })
  await bystander.next(
    (r) => bystander.received.indexOf(r) >= before && r.message.state === 'received',
    5_000,
    `received for ${id}`,
  )
  expect((await world.app.surface.health()).broker.status).toBe('up')
}

/** D01's alarms: none of the bytes below may open one (read after `othersStillServed`, a round trip). */
async function alarmsOfD01(): Promise<unknown[]> {
  const res = await world.api<{ items: { deviceId?: string }[] }>('GET', '/api/v1/alarms')
  return res.body.items.filter((a) => a.deviceId === 'D01')
}

describe('the broker on the wire', () => {
  it('closes every socket of random bytes without logging it in, and serves everyone else', async () => {
    const random = seeded(7)
    for (let i = 0; i < 60; i++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      )
      const wire = await Wire.open()
      wire.write(bytes)
      // closed: at once for its header, on a parse error, on a refused login, or at the connect timeout
      const got = await wire.closedByBroker()
      // and never accepted: it heard nothing, or a CONNACK with a refusal
      if (got.length > 0) {
        expect(got.subarray(0, 2), bytes.toString('hex')).toEqual(Buffer.from([0x20, 0x02]))
        expect(got[3], bytes.toString('hex')).not.toBe(0)
      }
    }
    await othersStillServed()
    expect(await alarmsOfD01()).toEqual([])
  })

  it('closes a first packet announcing a huge length on its header, without reading it', async () => {
    const before = refused('packet_too_large')
    const timeouts = refused('connect_timeout')
    const rss = process.memoryUsage().rss
    const wire = await Wire.open()
    wire.write(HUGE_CONNECT, Buffer.alloc(1_024))
    expect(await wire.closedByBroker()).toHaveLength(0)
    // closed for its header, not left to the connect timeout
    expect(refused('packet_too_large')).toBe(before + 1)
    expect(refused('connect_timeout')).toBe(timeouts)
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1_048_576)
    await othersStillServed()
  })

  it('closes a logged-in socket whose packet announces more than the limit', async () => {
    const before = refused('packet_too_large')
    const wire = await Wire.open()
    await wire.login()
    // PUBLISH, remaining length one byte over the limit (4609: 0x81 0x24 as MQTT writes it)
    const over = PACKET_LIMIT + 1
    wire.write(Buffer.from([0x30, (over & 0x7f) | 0x80, over >> 7]))
    expect(await wire.closedByBroker()).toEqual(CONNACK_ACCEPTED)
    expect(refused('packet_too_large')).toBe(before + 1)
    await othersStillServed()
  })

  it('closes a socket whose first packet is not a CONNECT, and stores nothing of it', async () => {
    const before = refused('connect_first')
    const timeouts = refused('connect_timeout')
    const wire = await Wire.open()
    wire.write(sosOfD01('early', 3))
    expect(await wire.closedByBroker()).toHaveLength(0)
    // closed for its first byte, not left to the connect timeout
    expect(refused('connect_first')).toBe(before + 1)
    expect(refused('connect_timeout')).toBe(timeouts)
    await othersStillServed()
    expect(await alarmsOfD01()).toEqual([])
  })

  it('closes a socket whose CONNECT never completes, at the connect timeout', async () => {
    const before = refused('connect_timeout')
    const wire = await Wire.open()
    // a CONNECT announcing 5 bytes, of which one comes
    wire.write(Buffer.from([0x10, 0x05, 0x00]))
    expect(await wire.closedByBroker()).toHaveLength(0)
    expect(refused('connect_timeout')).toBe(before + 1)
    await othersStillServed()
  })

  it('closes a connection that publishes to a wildcard or to a topic that is not UTF-8', async () => {
    // both break MQTT itself (MQTT-3.3.2-2, MQTT-1.5.3-1): Aedes closes the connection and the broker
    // counts a client error; a wildcard is also a publish outside one's own topics (contract: audited)
    const errors = () => world.app.surface.metrics.get('care_mqtt_client_errors_total')
    const before = errors()
    const deniedBefore = refused('publish_denied')
    const wildcard = await Wire.open()
    await wildcard.login()
    wildcard.write(
      generate({ cmd: 'publish', topic: 'care/v1/#', payload: '{}', qos: 0, dup: false, retain: false }),
    )
    expect(await wildcard.closedByBroker()).toEqual(CONNACK_ACCEPTED)
    expect(errors()).toBe(before + 1)
    // and, like any publish outside one's own topics, it is counted as refused and audited
    expect(refused('publish_denied')).toBe(deniedBefore + 1)
    const audit = await world.api<{ items: { action: string; actor?: string }[] }>(
      'GET',
      '/api/v1/audit?limit=50',
    )
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: 'mqtt.publish_denied', actor: 'D01' }),
    )

    const badUtf8 = await Wire.open()
    await badUtf8.login()
    const topic = Buffer.from([0xc3, 0x28, 0x2f, 0x73, 0x6f, 0x73]) // not UTF-8
    const body = Buffer.concat([Buffer.from([0x00, topic.length]), topic, Buffer.from('{}')])
    badUtf8.write(Buffer.from([0x30, body.length]), body)
    expect(await badUtf8.closedByBroker()).toEqual(CONNACK_ACCEPTED)
    expect(errors()).toBe(before + 2)
    await othersStillServed()
  })

  it('refuses a publish outside its own topics by closing the connection, and audits it', async () => {
    const denied = refused('publish_denied')
    const wire = await Wire.open()
    await wire.login()
    wire.write(
      generate({
        cmd: 'publish',
        topic: 'care/v1/dev/D02/sos',
        payload: JSON.stringify({ id: 'not-mine', ts: world.clock.now() }),
        qos: 1,
        messageId: 9,
        dup: false,
        retain: false,
      }),
    )
    // no PUBACK: MQTT 3.1.1 has no negative one, so the connection goes
    expect(await wire.closedByBroker()).toEqual(CONNACK_ACCEPTED)
    expect(refused('publish_denied')).toBe(denied + 1)
    const audit = await world.api<{ items: { action: string; actor?: string; target?: string }[] }>(
      'GET',
      '/api/v1/audit?limit=50',
    )
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: 'mqtt.publish_denied', actor: 'D01', target: 'care/v1/dev/D02/sos' }),
    )
    await othersStillServed()
    expect(await alarmsOfD01()).toEqual([])
  })

  it('refuses a $SYS subscription with SUBACK 0x80 and keeps the connection', async () => {
    const denied = refused('subscribe_denied')
    const wire = await Wire.open()
    await wire.login()
    wire.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$SYS/#', qos: 1 }] }))
    expect(await wire.receive(4, 5)).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x01, 0x80]))
    expect(refused('subscribe_denied')).toBe(denied + 1)
    await wire.ping()
    await othersStillServed()
  })

  it('waits for the rest of a packet whose length lies, acknowledges and stores none of it, and closes it at the keepalive', async () => {
    const wire = await Wire.open()
    // keepalive 1 s: the broker gives up on a silent client after one and a half of it
    await wire.login(1)
    const sos = sosOfD01('lying', 5)
    expect(sos[1]).toBeLessThan(0x80 - 50) // one length byte, room to lie in it
    const lying = Buffer.from(sos)
    lying[1] = (sos[1] as number) + 50 // announces 50 bytes more than it sends
    wire.write(lying)
    // meanwhile the half-read packet holds up nobody
    await othersStillServed()
    // no PUBACK, nothing but the CONNACK, ever; and no alarm
    expect(await wire.closedByBroker()).toEqual(CONNACK_ACCEPTED)
    await othersStillServed()
    expect(await alarmsOfD01()).toEqual([])
  })
})
