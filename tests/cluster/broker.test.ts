import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis as RedisClient } from 'ioredis'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Broker } from '../../broker/broker.ts'
import type { Principal } from '../../broker/policy.ts'
import { loadConfig } from '../../gateway/config.ts'
import { topics } from '../../kernel/contract/topics.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'
import { missing, type Redis, startRedis } from '../support/servers.ts'

/**
 * Cluster mode's brokers (docs/cluster.md): two Aedes nodes sharing one Redis. A downlink made on
 * one node reaches a carer connected to the other, and a carer's persistent session (its
 * subscription and the QoS 1 messages queued while it was away) outlives the node it was made on.
 */

const skip = missing('redis-server')

let redis: Redis
beforeAll(async () => {
  if (!skip) redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const running: Broker[] = []
const clients: MqttClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true)
  await Promise.all(running.splice(0).map((b) => b.stop()))
})

/** A node: a broker on a free port whose gate lets `carer-<id>` in as that carer, with its own id. */
async function node(name: string): Promise<{ broker: Broker; url: string }> {
  const config = loadConfig({
    // the brokers alone: the database the gateway would share is not opened here
    env: {
      CARE_MQTT_PORT: '0',
      CARE_REDIS_URL: redis.url,
      CARE_DATABASE_URL: 'postgres://care@127.0.0.1:1/unused',
      CARE_NODE_ID: name,
    },
    file: join(mkdtempSync(join(tmpdir(), 'care-node-')), 'none.json'),
  })
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 8))
  const broker = new Broker({
    config,
    clock,
    scheduler: new ManualScheduler(clock),
    log: createLogger('silent'),
    metrics: new Metrics(),
    audit: { record: () => {} },
  })
  await broker.start({
    async authenticate(username, password) {
      if (password?.toString() !== 'pw') return null
      const [, kind, id] = /^(carer|dev)-(\w+)$/.exec(username) ?? []
      if (!kind || !id) return null
      return { kind: kind === 'dev' ? 'device' : 'carer', id } satisfies Principal
    },
    onPublish() {},
  })
  running.push(broker)
  return { broker, url: `mqtt://127.0.0.1:${broker.ports.mqtt}` }
}

async function carer(url: string, id: string, clean = true): Promise<MqttClient & { got: string[] }> {
  const client = await mqtt.connectAsync(url, {
    clientId: `phone-${id}`,
    username: `carer-${id}`,
    password: 'pw',
    clean,
    reconnectPeriod: 0,
  })
  clients.push(client)
  const got: string[] = []
  client.on('message', (_topic, payload) => got.push(payload.toString()))
  return Object.assign(client, { got })
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > end) throw new Error(`not seen within 10 s: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** How many PUBLISH commands Redis has run so far. */
async function redisPublishes(): Promise<number> {
  const conn = new RedisClient(redis.url)
  try {
    const stats = await conn.info('commandstats')
    return Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  } finally {
    conn.disconnect()
  }
}

describe.skipIf(skip)('brokers sharing Redis', () => {
  it('keep devices’ uplinks on the node they arrive at: 200 fixes cost Redis no message', async () => {
    const a = await node('node-a')
    await node('node-b')
    const device = await mqtt.connectAsync(a.url, {
      clientId: 'dev-D01',
      username: 'dev-D01',
      password: 'pw',
    })
    clients.push(device)
    const before = await redisPublishes()
    for (let i = 0; i < 200; i++) {
      await device.publishAsync(
        topics.deviceUplink('D01', 'loc'),
        JSON.stringify({ ts: i, lat: 1, lon: 1 }),
        {
          qos: 1,
        },
      )
    }
    // the brokers' own news ($SYS heartbeats, a new client) may pass meanwhile, never one per fix
    expect((await redisPublishes()) - before).toBeLessThan(10)
  })

  it('a task published on node A reaches the carer connected to node B, once', async () => {
    const a = await node('node-a')
    const b = await node('node-b')
    const phone = await carer(b.url, 'C01')
    await phone.subscribeAsync(topics.carerTask('C01'), { qos: 1 })
    await a.broker.publish(topics.carerTask('C01'), { type: 'offer', alarmId: 'A1' })
    await until(() => phone.got.length === 1, 'the offer on node B')
    // a second message after it: had the first been delivered twice, the copy would arrive before it
    await a.broker.publish(topics.carerTask('C01'), { type: 'offer', alarmId: 'A2' })
    await until(() => phone.got.length >= 2, 'the second offer')
    expect(phone.got.map((m) => JSON.parse(m).alarmId)).toEqual(['A1', 'A2'])
  })

  it('keep a client id to its principal across nodes: another principal is refused on the other node', async () => {
    const a = await node('node-a')
    const b = await node('node-b')
    const owner = await mqtt.connectAsync(a.url, {
      clientId: 'phone-7',
      username: 'carer-C07',
      password: 'pw',
      clean: false,
      reconnectPeriod: 0,
    })
    clients.push(owner)
    // someone else's login with the same client id would take over the carer's session
    const thief = mqtt.connect(b.url, {
      clientId: 'phone-7',
      username: 'carer-C08',
      password: 'pw',
      reconnectPeriod: 0,
    })
    clients.push(thief)
    const refused = await new Promise<number | undefined>((resolve) => {
      thief.once('connect', () => resolve(0))
      thief.once('error', (error) => resolve((error as { code?: number }).code))
    })
    expect(refused).toBe(2) // CONNACK 2, identifier rejected
    expect(owner.connected).toBe(true)
    // the carer themself may move to the other node with it
    const moved = await mqtt.connectAsync(b.url, {
      clientId: 'phone-7',
      username: 'carer-C07',
      password: 'pw',
      clean: false,
      reconnectPeriod: 0,
    })
    clients.push(moved)
    expect(moved.connected).toBe(true)
  })

  it('a persistent session made on a node that is gone delivers what was queued to the carer on another node', async () => {
    const a = await node('node-a')
    const b = await node('node-b')
    const first = await carer(a.url, 'C02', false)
    await first.subscribeAsync(topics.carerTask('C02'), { qos: 1 })
    await first.endAsync()
    await a.broker.stop()
    running.splice(running.indexOf(a.broker), 1)
    // the carer is away and its node is gone: the offer is queued in Redis for the session
    await b.broker.publish(topics.carerTask('C02'), { type: 'offer', alarmId: 'A3' })
    const again = await carer(b.url, 'C02', false)
    await until(() => again.got.length === 1, 'the queued offer')
    expect(JSON.parse(again.got[0] as string)).toMatchObject({ alarmId: 'A3' })
  })
})
