import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const worlds: World[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()))
})

async function world(env: Record<string, string> = {}): Promise<World> {
  const w = await startWorld({ env })
  worlds.push(w)
  return w
}

function audits(w: World, action: string): { actor: string | null; target: string | null }[] {
  return w.app.store.db.prepare('SELECT actor, target FROM audit WHERE action = ?').all(action) as {
    actor: string | null
    target: string | null
  }[]
}

async function alarmCount(w: World): Promise<number> {
  return (await w.api<{ items: unknown[] }>('GET', '/api/v1/alarms')).body.items.length
}

/** Connect and report the CONNACK refusal code, or 0 when accepted. */
function connackCode(url: string, options: mqtt.IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options })
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

function closed(client: TestClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.client.connected) return resolve()
    client.client.once('close', () => resolve())
  })
}

describe('the broker refuses, counts and audits', () => {
  it('a wrong secret or an unknown id with CONNACK 4', async () => {
    const w = await world()
    await w.elder('E01')
    await w.device('D01', 'E01')
    expect(await connackCode(w.mqttUrl, { username: 'D01', password: 'wrong-secret' })).toBe(4)
    expect(await connackCode(w.mqttUrl, { username: 'NOBODY', password: 'whatever' })).toBe(4)
    expect(await connackCode(w.mqttUrl, {})).toBe(4)
    expect(w.app.metrics.get('care_mqtt_refused_total', { reason: 'bad_credentials' })).toBe(3)
    expect(audits(w, 'mqtt.bad_credentials').map((a) => a.actor)).toEqual(['D01', 'NOBODY', null])
    expect(await connackCode(w.mqttUrl, { username: 'D01', password: 'secret-D01' })).toBe(0)
  })

  it('a will on someone else’s topic with CONNACK 5', async () => {
    const w = await world()
    await w.elder('E01')
    await w.device('D01', 'E01')
    const code = await connackCode(w.mqttUrl, {
      username: 'D01',
      password: 'secret-D01',
      will: { topic: 'care/v1/dev/D02/sos', payload: Buffer.from('{}'), qos: 1, retain: false },
    })
    expect(code).toBe(5)
    expect(audits(w, 'mqtt.will_denied')).toHaveLength(1)
  })

  it('a publish under another id by closing the connection, storing nothing', async () => {
    const w = await world()
    await w.elder('E01')
    await w.elder('E02')
    const intruder = await w.device('D01', 'E01')
    const victim = await w.device('D02', 'E02')
    const gone = closed(intruder)
    intruder.publish('care/v1/dev/D02/sos', { id: 'x1', ts: w.clock.now() }).catch(() => undefined)
    await gone
    expect(await alarmCount(w)).toBe(0)
    expect(w.app.metrics.get('care_mqtt_refused_total', { reason: 'publish_denied' })).toBe(1)
    expect(audits(w, 'mqtt.publish_denied')).toEqual([{ actor: 'D01', target: 'care/v1/dev/D02/sos' }])
    // everyone else is still served
    await victim.publish('care/v1/dev/D02/sos', { id: 'v1', ts: w.clock.now() })
    await victim.next((r) => r.message.state === 'received')
    expect(await alarmCount(w)).toBe(1)
  })

  it('a foreign subscription with SUBACK 0x80, keeping the connection', async () => {
    const w = await world()
    await w.elder('E01')
    await w.elder('E02')
    const spy = await w.device('D01', 'E01')
    const other = await w.device('D02', 'E02')
    expect(await spy.subscribe('care/v1/dev/D02/notify')).toEqual([128])
    expect(await spy.subscribe('care/v1/dev/+/notify')).toEqual([128])
    expect(w.app.metrics.get('care_mqtt_refused_total', { reason: 'subscribe_denied' })).toBe(2)
    await other.publish('care/v1/dev/D02/sos', { id: 'o1', ts: w.clock.now() })
    await other.next((r) => r.message.state === 'received')
    await spy.publish('care/v1/dev/D01/sos', { id: 's1', ts: w.clock.now() })
    await spy.next((r) => r.message.state === 'received')
    expect(spy.messages((r) => r.topic === 'care/v1/dev/D02/notify')).toHaveLength(0)
  })

  it('a 1 MB payload by closing the connection; nothing stored, others served', async () => {
    const w = await world()
    await w.elder('E01')
    await w.elder('E02')
    const big = await w.device('D01', 'E01')
    const other = await w.device('D02', 'E02')
    const gone = closed(big)
    const payload = JSON.stringify({ id: 'big', ts: w.clock.now(), pad: 'x'.repeat(1_048_576) })
    big.publish('care/v1/dev/D01/sos', payload).catch(() => undefined)
    await gone
    expect(w.app.metrics.get('care_mqtt_refused_total', { reason: 'payload_too_large' })).toBe(1)
    expect(await alarmCount(w)).toBe(0)
    await other.publish('care/v1/dev/D02/sos', { id: 'o1', ts: w.clock.now() })
    await other.next((r) => r.message.state === 'received')
  })

  it('invalid JSON, wrong types and a coordinate of 999 are acknowledged, dropped and counted', async () => {
    const w = await world()
    await w.elder('E01')
    const device = await w.device('D01', 'E01')
    await device.publish('care/v1/dev/D01/sos', '{"id": "m1", ts: nope')
    await device.publish('care/v1/dev/D01/sos', { id: 42, ts: 'yesterday' })
    await device.publish('care/v1/dev/D01/sos', { id: 'm2', ts: w.clock.now(), lat: 999, lon: 0 })
    await device.publish('care/v1/dev/D01/loc', { ts: w.clock.now(), lat: 37, lon: 999 })
    await device.publish('care/v1/dev/D01/event', { id: 'e1', ts: w.clock.now(), type: 'earthquake' })
    expect(w.app.metrics.total('care_uplinks_rejected_total')).toBe(5)
    expect(await alarmCount(w)).toBe(0)
    expect(device.client.connected).toBe(true)
    await device.publish('care/v1/dev/D01/sos', { id: 'm3', ts: w.clock.now() })
    await device.next((r) => r.message.state === 'received')
  })

  it('a connection over the cap, while the others keep working', async () => {
    const w = await world({ CARE_MAX_CONNECTIONS: '2' })
    await w.elder('E01')
    const first = await w.device('D01', 'E01')
    await w.device('D02', 'E01')
    expect(await connackCode(w.mqttUrl, { username: 'D02', password: 'secret-D02' })).toBe(3)
    expect(w.app.metrics.get('care_mqtt_refused_total', { reason: 'connection_cap' })).toBe(1)
    await first.publish('care/v1/dev/D01/sos', { id: 'm1', ts: w.clock.now() })
    await first.next((r) => r.message.state === 'received')
  })

  it('records a device’s own will when its connection dies', async () => {
    const w = await world()
    await w.elder('E01')
    await w.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    const watch = await TestClient.connect(w.mqttUrl, 'D01', 'secret-D01', {
      will: {
        topic: 'care/v1/dev/D01/status',
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    })
    await watch.publish('care/v1/dev/D01/status', { online: true, battery: 80 })
    const online = () =>
      (w.app.store.db.prepare('SELECT online FROM devices WHERE id = ?').get('D01') as { online: number })
        .online
    expect(online()).toBe(1)
    watch.client.stream.destroy()
    await eventually(() => online() === 0)
  })
})
