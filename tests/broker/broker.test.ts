import { connect as tcpConnect } from 'node:net'
import mqtt, { type IClientOptions } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { eventually, TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const running: World[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()))
})

/** A gateway with one elder, E01, to hang devices on. */
async function aGateway(env: Record<string, string> = {}): Promise<World> {
  const w = await startWorld({ env })
  running.push(w)
  await w.elder('E01')
  return w
}

/** A device in the registry, not connected yet; its secret is `secret-{id}`. */
async function registered(w: World, id: string, elderId = 'E01'): Promise<void> {
  const res = await w.api('PUT', `/api/v1/devices/${id}`, { kind: 'watch', elderId, secret: `secret-${id}` })
  expect(res.status).toBeLessThan(300)
}

/** A registered device connected with its own secret and options (a will, say), listening to its notify. */
async function connected(w: World, id: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.connect(w.mqttUrl, id, `secret-${id}`, options)
  w.clients.push(client)
  expect(await client.subscribe(topics.deviceNotify(id))).toEqual([1])
  return client
}

/** Subscribe to several filters in one SUBSCRIBE; what the SUBACK granted each (128 = refused). */
async function suback(client: TestClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos)
  } catch (error) {
    // mqtt.js rejects when any filter was refused; the error carries the SUBACK
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted
    if (!granted) throw error
    return granted
  }
}

interface Outcome {
  /** The CONNACK return code: 0 when the connection was accepted. */
  code: number
  message: string
}

/** Try to connect and say how the broker answered; the client is closed either way. */
function attempt(url: string, options: IClientOptions): Promise<Outcome> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options })
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.end(true)
      resolve({ code: 0, message: 'connected' })
    })
    client.once('error', (error) => {
      client.end(true)
      resolve({ code: (error as { code?: number }).code ?? -1, message: error.message })
    })
  })
}

/** Keep trying (each try a real connection) until the broker admits `id`. */
async function admittedEventually(w: World, id: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const outcome = await attempt(w.mqttUrl, { username: id, password: `secret-${id}` })
    if (outcome.code === 0) return
    if (Date.now() > deadline) throw new Error(`${id} still refused: ${outcome.message}`)
  }
}

function closing(client: TestClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.client.connected) client.client.once('close', () => resolve())
    else resolve()
  })
}

/** Publish without waiting for a PUBACK that a refusing broker never sends. */
function fireAndForget(client: TestClient, topic: string, message: unknown): void {
  client.publish(topic, message).catch(() => undefined)
}

function alarmCount(w: World): number {
  return (w.db().prepare('SELECT count(*) AS n FROM alarms').get() as { n: number }).n
}

function refusals(w: World, reason: string): number {
  return w.app.surface.metrics.get('care_mqtt_refused_total', { reason })
}

interface AuditLine {
  actor: string | null
  target: string | null
  source: string | null
  detail: Record<string, unknown>
}

function audited(w: World, action: string): AuditLine[] {
  const rows = w
    .db()
    .prepare('SELECT actor, target, source, detail FROM audit WHERE action = ? ORDER BY id')
    .all(action) as { actor: string | null; target: string | null; source: string | null; detail: string }[]
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }))
}

function onlineColumn(w: World, id: string): number | null {
  return (w.db().prepare('SELECT online FROM devices WHERE id = ?').get(id) as { online: number | null })
    .online
}

async function sosAnswered(w: World, device: TestClient, id: string, messageId: string): Promise<void> {
  await device.publish(topics.deviceUplink(id, 'sos'), { id: messageId, ts: w.clock.now() })
  await device.next(
    (r) => r.topic === topics.deviceNotify(id) && r.message.state === 'received',
    5_000,
    `received for ${id}`,
  )
}

const offlineWill = (id: string): IClientOptions['will'] => ({
  topic: topics.deviceUplink(id, 'status'),
  payload: Buffer.from(JSON.stringify({ online: false })),
  qos: 1,
  retain: true,
})

describe('who may connect', () => {
  it('refuses a wrong secret with CONNACK 4, counted and audited without the secret', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    const outcome = await attempt(w.mqttUrl, { username: 'D01', password: 'not-the-secret' })
    expect(outcome.code).toBe(4)
    expect(outcome.message).toMatch(/Bad username or password/)
    expect(refusals(w, 'bad_credentials')).toBe(1)
    const [line, ...more] = audited(w, 'mqtt.bad_credentials')
    expect(more).toEqual([])
    expect(line).toMatchObject({ actor: 'D01', source: 'mqtt' })
    expect(JSON.stringify(line)).not.toContain('not-the-secret')
    // the right secret still gets in
    expect((await attempt(w.mqttUrl, { username: 'D01', password: 'secret-D01' })).code).toBe(0)
  })

  it('refuses an unknown username, and a connection with no credentials, the same way', async () => {
    const w = await aGateway()
    expect((await attempt(w.mqttUrl, { username: 'GHOST', password: 'anything' })).code).toBe(4)
    expect((await attempt(w.mqttUrl, {})).code).toBe(4)
    expect(refusals(w, 'bad_credentials')).toBe(2)
    expect(audited(w, 'mqtt.bad_credentials').map((a) => a.actor)).toEqual(['GHOST', null])
  })

  it('refuses a will on any topic but the device’s own status with CONNACK 5', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    await registered(w, 'D02')
    const victim = await connected(w, 'D02')
    await victim.subscribe('care/v1/dev/D02/#')
    for (const topic of [topics.deviceUplink('D02', 'status'), topics.deviceUplink('D01', 'sos')]) {
      const outcome = await attempt(w.mqttUrl, {
        username: 'D01',
        password: 'secret-D01',
        will: { topic, payload: Buffer.from('{"online":false}'), qos: 1, retain: false },
      })
      expect(outcome.code, topic).toBe(5)
    }
    expect(refusals(w, 'will_denied')).toBe(2)
    expect(audited(w, 'mqtt.will_denied').map((a) => [a.actor, a.target])).toEqual([
      ['D01', 'care/v1/dev/D02/status'],
      ['D01', 'care/v1/dev/D01/sos'],
    ])
    // the refused wills were never published: the victim saw nothing on its status, and no alarm opened
    await sosAnswered(w, victim, 'D02', 'v1')
    expect(victim.received.filter((r) => r.topic.endsWith('/status'))).toEqual([])
    expect(alarmCount(w)).toBe(1)
  })
})

describe('a device’s last will', () => {
  it('is accepted on its own status and recorded when the connection is lost', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    const watch = await connected(w, 'D01', { will: offlineWill('D01') })
    await watch.publish(topics.deviceUplink('D01', 'status'), { online: true, battery: 77 })
    expect(onlineColumn(w, 'D01')).toBe(1)
    watch.client.stream.destroy()
    await eventually(() => onlineColumn(w, 'D01') === 0, 3_000, 'the will recorded')
    expect(w.app.surface.metrics.total('care_mqtt_refused_total')).toBe(0)
  })

  it('is not sent when the device says goodbye with DISCONNECT', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    await registered(w, 'D02')
    const watch = await connected(w, 'D01', { will: offlineWill('D01') })
    await watch.publish(topics.deviceUplink('D01', 'status'), { online: true })
    await watch.client.endAsync() // not forced: mqtt.js sends DISCONNECT first
    await eventually(() => w.app.surface.connections() === 0, 3_000, 'the disconnect')
    // a round trip of someone else's after the goodbye: a will would have been handled by now
    await sosAnswered(w, await connected(w, 'D02'), 'D02', 'm1')
    expect(onlineColumn(w, 'D01')).toBe(1)
  })

  it('is recorded even when the device is cut off for flooding', async () => {
    const w = await aGateway({ CARE_MQTT_RATE_PER_S: '0.001', CARE_MQTT_BURST: '1' })
    await registered(w, 'D01')
    const watch = await connected(w, 'D01', { will: offlineWill('D01') })
    await watch.publish(topics.deviceUplink('D01', 'status'), { online: true })
    expect(onlineColumn(w, 'D01')).toBe(1)
    const gone = closing(watch)
    // QoS 0 over the rate is dropped, and a flood of it closes the connection (QoS 1 would wait its turn)
    const loc = JSON.stringify({ ts: w.clock.now(), lat: 37.38, lon: 117.97 })
    for (let i = 0; i < 10; i++) watch.client.publish(topics.deviceUplink('D01', 'loc'), loc, { qos: 0 })
    await gone
    expect(refusals(w, 'rate_limited')).toBe(1)
    await eventually(() => onlineColumn(w, 'D01') === 0, 3_000, 'the will recorded')
  })
})

describe('what a device may publish', () => {
  it('closes the connection of a device publishing as another, storing nothing', async () => {
    const w = await aGateway()
    await w.elder('E02')
    const intruder = await w.device('D01', 'E01')
    const victim = await w.device('D02', 'E02')
    const gone = closing(intruder)
    fireAndForget(intruder, topics.deviceUplink('D02', 'sos'), { id: 'forged', ts: w.clock.now() })
    await gone
    expect(alarmCount(w)).toBe(0)
    expect(refusals(w, 'publish_denied')).toBe(1)
    expect(audited(w, 'mqtt.publish_denied')).toEqual([
      {
        actor: 'D01',
        target: 'care/v1/dev/D02/sos',
        source: 'mqtt',
        detail: { topic: 'care/v1/dev/D02/sos', reason: 'not_own_topic' },
      },
    ])
    // the victim's own SOS still works, and is the only alarm it was ever told about
    await sosAnswered(w, victim, 'D02', 'real')
    expect(alarmCount(w)).toBe(1)
    expect(victim.messages((r) => r.topic === topics.deviceNotify('D02'))).toHaveLength(1)
  })

  it('closes the connection of a principal publishing on a downlink, its own included', async () => {
    const w = await aGateway()
    const device = await w.device('D01', 'E01')
    const carer = await w.carer('C01', { lat: 37.38, lon: 117.97 })
    const cases: [TestClient, string][] = [
      [device, topics.deviceNotify('D01')],
      [carer, topics.carerTask('C01')],
    ]
    for (const [client, topic] of cases) {
      const gone = closing(client)
      fireAndForget(client, topic, { alarmId: 'A1', state: 'resolved', text: 'forged' })
      await gone
    }
    expect(audited(w, 'mqtt.publish_denied').map((a) => [a.actor, a.detail.reason])).toEqual([
      ['D01', 'downlink_topic'],
      ['C01', 'downlink_topic'],
    ])
  })

  it('keeps a retained status but not a retained alarm message', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    const device = await connected(w, 'D01')
    await device.client.publishAsync(topics.deviceUplink('D01', 'status'), '{"online":true}', {
      qos: 1,
      retain: true,
    })
    await device.client.publishAsync(topics.deviceUplink('D01', 'sos'), `{"id":"r1","ts":${w.clock.now()}}`, {
      qos: 1,
      retain: true,
    })
    // a second connection of the same device (another client id) sees what the broker retained
    const reader = await connected(w, 'D01')
    const retained: string[] = []
    reader.client.on('message', (topic, _payload, packet) => {
      if (packet.retain) retained.push(topic)
    })
    await reader.subscribe('care/v1/dev/D01/+')
    await reader.next((r) => r.topic.endsWith('/status'), 5_000, 'the retained status')
    await device.publish(topics.deviceUplink('D01', 'vitals'), { ts: w.clock.now(), hr: 70 })
    await reader.next((r) => r.topic.endsWith('/vitals'), 5_000, 'a live message after the retained ones')
    expect(retained).toEqual(['care/v1/dev/D01/status'])
  })

  it('closes the connection on a 1 MB payload as its header arrives, storing nothing, while others are served', async () => {
    const w = await aGateway()
    const big = await w.device('D01', 'E01')
    const other = await w.device('D02', 'E01')
    const gone = closing(big)
    const payload = JSON.stringify({ id: 'huge', ts: w.clock.now(), pad: 'x'.repeat(1024 * 1024) })
    fireAndForget(big, topics.deviceUplink('D01', 'sos'), payload)
    await gone
    // the packet's announced length is over the limit: refused before its body is buffered
    expect(refusals(w, 'packet_too_large')).toBe(1)
    const [line] = audited(w, 'mqtt.packet_too_large')
    expect(line).toMatchObject({ actor: 'D01', detail: { type: 3, limit: 4096 + 512 } })
    expect(line?.detail.bytes).toBeGreaterThan(1024 * 1024)
    expect(alarmCount(w)).toBe(0)
    await sosAnswered(w, other, 'D02', 'small')
  })

  it('takes a payload of exactly the configured limit and refuses one byte more', async () => {
    const w = await aGateway({ CARE_MAX_PAYLOAD_BYTES: '512' })
    const device = await w.device('D01', 'E01')
    const sos = (id: string, bytes: number) => {
      const json = JSON.stringify({ id, ts: w.clock.now() })
      return json + ' '.repeat(bytes - json.length) // JSON may end in white space
    }
    await device.publish(topics.deviceUplink('D01', 'sos'), sos('at-limit', 512))
    await device.next((r) => r.message.state === 'received', 5_000, 'received')
    const gone = closing(device)
    fireAndForget(device, topics.deviceUplink('D01', 'sos'), sos('over-limit', 513))
    await gone
    expect(refusals(w, 'payload_too_large')).toBe(1)
    expect(alarmCount(w)).toBe(1)
  })

  it('acknowledges invalid JSON and wrong types on its own topic, dropping and counting them', async () => {
    const w = await aGateway()
    const device = await w.device('D01', 'E01')
    const sosTopic = topics.deviceUplink('D01', 'sos')
    await device.publish(sosTopic, '{"id":"j1","ts":') // the PUBACK came: publish resolved
    await device.publish(sosTopic, { id: { nested: true }, ts: 'this morning' })
    await device.publish(sosTopic, Buffer.from([0xff, 0xfe, 0x00]))
    expect(
      w.app.surface.metrics.get('care_uplinks_rejected_total', { topic: 'sos', reason: 'invalid_json' }),
    ).toBe(2)
    expect(
      w.app.surface.metrics.get('care_uplinks_rejected_total', { topic: 'sos', reason: 'invalid_payload' }),
    ).toBe(1)
    expect(alarmCount(w)).toBe(0)
    // a bad payload is not a refusal: the connection stays and the next good SOS goes through
    expect(w.app.surface.metrics.total('care_mqtt_refused_total')).toBe(0)
    expect(device.client.connected).toBe(true)
    await sosAnswered(w, device, 'D01', 'good')
  })
})

describe('what a device may subscribe to', () => {
  it('refuses another device’s notify with 0x80 in the same SUBACK that grants its own', async () => {
    const w = await aGateway()
    await registered(w, 'D01')
    await registered(w, 'D02')
    const spy = await connected(w, 'D01')
    const other = await connected(w, 'D02')
    expect(await suback(spy, [topics.deviceNotify('D02'), topics.deviceNotify('D01')])).toEqual([128, 1])
    expect(refusals(w, 'subscribe_denied')).toBe(1)
    expect(audited(w, 'mqtt.subscribe_denied').map((a) => [a.actor, a.target])).toEqual([
      ['D01', 'care/v1/dev/D02/notify'],
    ])
    // the other device's notification does not reach the spy, whose own still does
    await sosAnswered(w, other, 'D02', 'o1')
    await sosAnswered(w, spy, 'D01', 's1')
    expect(spy.received.map((r) => r.topic)).toEqual(['care/v1/dev/D01/notify'])
    expect(spy.client.connected).toBe(true)
  })

  it('refuses every wildcard that would reach beyond its own id', async () => {
    const w = await aGateway()
    const device = await w.device('D01', 'E01')
    for (const filter of ['care/v1/dev/+/notify', 'care/v1/#', '#', '$SYS/#', topics.eventsFilter]) {
      expect(await device.subscribe(filter), filter).toEqual([128])
    }
    expect(refusals(w, 'subscribe_denied')).toBe(5)
    expect(await device.subscribe('care/v1/dev/D01/#')).toEqual([1])
    await sosAnswered(w, device, 'D01', 'm1')
  })
})

describe('the connection cap', () => {
  it('refuses a third connection with CONNACK 3 while the first two keep working', async () => {
    const w = await aGateway({ CARE_MAX_CONNECTIONS: '2' })
    const first = await w.device('D01', 'E01')
    const second = await w.device('D02', 'E01')
    await registered(w, 'D03')
    const outcome = await attempt(w.mqttUrl, { username: 'D03', password: 'secret-D03' })
    expect(outcome).toEqual({ code: 3, message: 'Connection refused: Server unavailable' })
    expect(refusals(w, 'connection_cap')).toBe(1)
    expect(audited(w, 'mqtt.connection_cap')).toMatchObject([{ actor: 'D03', detail: { limit: 2 } }])
    await sosAnswered(w, first, 'D01', 'm1')
    await sosAnswered(w, second, 'D02', 'm2')
  })

  it('holds against connections arriving at the same moment', async () => {
    const w = await aGateway({ CARE_MAX_CONNECTIONS: '2' })
    const ids = ['D01', 'D02', 'D03', 'D04', 'D05']
    for (const id of ids) await registered(w, id)
    const outcomes = await Promise.all(
      ids.map((id) => attempt(w.mqttUrl, { username: id, password: `secret-${id}` })),
    )
    const codes = outcomes.map((o) => o.code).sort()
    expect(codes).toEqual([0, 0, 3, 3, 3])
  })

  it('gives a place back when a connection ends, and keeps none for a refused login', async () => {
    const w = await aGateway({ CARE_MAX_CONNECTIONS: '2' })
    for (const id of ['D01', 'D02', 'D03']) await registered(w, id)
    const first = await connected(w, 'D01')
    for (let i = 0; i < 3; i++) {
      expect((await attempt(w.mqttUrl, { username: 'D02', password: 'wrong' })).code).toBe(4)
    }
    const second = await connected(w, 'D02')
    expect((await attempt(w.mqttUrl, { username: 'D03', password: 'secret-D03' })).code).toBe(3)
    await first.end()
    await admittedEventually(w, 'D03')
    await sosAnswered(w, second, 'D02', 'm1')
  })
})

describe('stopping', () => {
  it('ends promptly with devices connected and a socket that never sent CONNECT', async () => {
    const w = await startWorld()
    await w.elder('E01')
    await registered(w, 'D01')
    // not in w.clients, so stop() must close it itself
    const device = await TestClient.connect(w.mqttUrl, 'D01', 'secret-D01')
    const silent = tcpConnect(w.app.surface.ports.mqtt ?? 0, '127.0.0.1')
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()))
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()))
    const deviceClosed = closing(device)
    await w.stop()
    await Promise.all([silentClosed, deviceClosed])
  }, 10_000)
})
