import mqtt, { type IClientOptions } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { eventually, TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const running: World[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()))
})

async function gateway(env: Record<string, string> = {}): Promise<World> {
  const w = await startWorld({ env })
  running.push(w)
  await w.elder('E01')
  return w
}

/** MQTT over WebSocket lives at `/mqtt` on the HTTP port (contract). */
const wsUrl = (w: World) => `ws://127.0.0.1:${w.app.httpPort}/mqtt`

async function register(w: World, id: string): Promise<void> {
  const res = await w.api('PUT', `/api/v1/devices/${id}`, {
    kind: 'phone',
    elderId: 'E01',
    secret: `secret-${id}`,
  })
  expect(res.status).toBeLessThan(300)
}

async function overWebSocket(w: World, id: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl(w), id, `secret-${id}`, options)
  w.clients.push(client)
  expect(await client.subscribe(topics.deviceNotify(id))).toEqual([1])
  return client
}

/** The CONNACK code a connection attempt got (0: accepted); the client is closed either way. */
function connackOf(url: string, options: IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options })
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

describe('MQTT over WebSocket at /mqtt', () => {
  it('authenticates a device and answers its SOS with `received`', async () => {
    const w = await gateway()
    await register(w, 'D01')
    const phone = await overWebSocket(w, 'D01')
    await phone.publish(topics.deviceUplink('D01', 'sos'), { id: 'ws-1', ts: w.clock.now() })
    const notify = await phone.next((r) => r.message.state === 'received', 5_000, 'received')
    expect(notify.topic).toBe(topics.deviceNotify('D01'))
    expect(w.app.surface.connections()).toBe(1)
  })

  it('refuses a wrong secret with CONNACK 4 like the other transports', async () => {
    const w = await gateway()
    await register(w, 'D01')
    expect(await connackOf(wsUrl(w), { username: 'D01', password: 'nope' })).toBe(4)
    expect(w.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'bad_credentials' })).toBe(1)
  })

  it('closes a WebSocket client that publishes as someone else', async () => {
    const w = await gateway()
    await register(w, 'D01')
    const phone = await overWebSocket(w, 'D01')
    const closed = new Promise<void>((resolve) => phone.client.once('close', () => resolve()))
    phone.publish(topics.deviceUplink('D02', 'sos'), { id: 'x', ts: w.clock.now() }).catch(() => undefined)
    await closed
    expect(w.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'publish_denied' })).toBe(1)
  })

  it('records the device’s will when its WebSocket drops', async () => {
    const w = await gateway()
    await register(w, 'D01')
    const watch = await overWebSocket(w, 'D01', {
      will: {
        topic: topics.deviceUplink('D01', 'status'),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    })
    await watch.publish(topics.deviceUplink('D01', 'status'), { online: true })
    const online = () =>
      (w.db().prepare('SELECT online FROM devices WHERE id = ?').get('D01') as { online: number }).online
    expect(online()).toBe(1)
    watch.client.stream.destroy()
    await eventually(() => online() === 0, 3_000, 'the will over WebSocket')
  })

  it('shares the connection cap with plain MQTT', async () => {
    const w = await gateway({ CARE_MAX_CONNECTIONS: '2' })
    for (const id of ['D01', 'D02', 'D03']) await register(w, id)
    await overWebSocket(w, 'D01')
    const tcp = await TestClient.connect(w.mqttUrl, 'D02', 'secret-D02')
    w.clients.push(tcp)
    expect(await connackOf(wsUrl(w), { username: 'D03', password: 'secret-D03' })).toBe(3)
    expect(w.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'connection_cap' })).toBe(1)
  })

  it('lets the gateway stop while a WebSocket client is still connected', async () => {
    const w = await startWorld()
    await w.elder('E01')
    await register(w, 'D01')
    const phone = await TestClient.connect(wsUrl(w), 'D01', 'secret-D01') // deliberately not ended by the test
    const closed = new Promise<void>((resolve) => phone.client.once('close', () => resolve()))
    await w.stop()
    await closed
  }, 10_000)
})
