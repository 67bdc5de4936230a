import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TestClient } from '../support/mqtt.ts'
import { missing, type Postgres, type Redis, startPostgres, startRedis } from '../support/servers.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * Cluster mode's degraded modes (docs/cluster.md, "When a part is away"), with two gateways in this
 * process over a PostgreSQL and a Redis of the test's own, which it stops and starts again.
 */

const skip = missing('postgresql') ?? missing('redis-server')

let pg: Postgres
let redis: Redis
let a: World
let b: World

beforeEach(async () => {
  if (skip) return
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
  const url = await pg.database()
  const env = (node: string) => ({ CARE_DATABASE_URL: url, CARE_REDIS_URL: redis.url, CARE_NODE_ID: node })
  a = await startWorld({ env: env('node-a'), idPrefix: 'A' })
  b = await startWorld({ env: env('node-b'), idPrefix: 'B' })
}, 60_000)

afterEach(async () => {
  if (skip) return
  await b?.stop()
  await a?.stop()
  await redis.stop()
  await pg.stop()
})

/** Publish at QoS 1: whether the PUBACK came, or the connection closed first. */
function publishOnce(client: TestClient, topic: string, message: unknown): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    client.client.once('close', () => resolve('closed'))
    client.client.publish(topic, JSON.stringify(message), { qos: 1 }, (error) => {
      if (!error) resolve('acked')
    })
  })
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within 15 s: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(skip)('when PostgreSQL is away', () => {
  it('an SOS is not acknowledged; sent again once it is back, it is stored once and offered', async () => {
    await a.elder('E01')
    const device = await a.device('D01', 'E01')
    const carer = await b.carer('C01', offset(HOME, 300, 0))
    await until(() => a.app.surface.carer('C01')?.duty === 'on', 'the carer in node A’s book')
    await pg.halt()
    const press = { id: 'press-1', ts: a.clock.now() }
    expect(await publishOnce(device, 'care/v1/dev/D01/sos', press)).toBe('closed')
    // the node says it cannot store, so a load balancer checking its health sends nobody there
    expect((await a.app.surface.health()).status).toBe('degraded')
    await pg.resume()
    await until(async () => (await a.app.surface.health()).status === 'ok', 'node A healthy again')
    const again = await a.device('D01', 'E01')
    await again.publish('care/v1/dev/D01/sos', press)
    const received = await again.next((r) => r.message.state === 'received')
    const alarmId = received.message.alarmId as string
    await carer.next((r) => r.message.alarmId === alarmId && r.message.action === 'offer')
    const alarms = await a.api<{ items: { id: string }[] }>('GET', '/api/v1/alarms?elderId=E01')
    expect(alarms.body.items.map((x) => x.id)).toEqual([alarmId])
  })
})

describe.skipIf(skip)('when Redis is away', () => {
  it('an SOS is still stored and acknowledged; the offer to a carer on the other node goes out when Redis is back', async () => {
    await a.elder('E01')
    const device = await a.device('D01', 'E01')
    const carer = await b.carer('C01', offset(HOME, 300, 0))
    await until(() => a.app.surface.carer('C01')?.duty === 'on', 'the carer in node A’s book')
    await redis.kill()
    expect(await publishOnce(device, 'care/v1/dev/D01/sos', { id: 'press-1', ts: a.clock.now() })).toBe(
      'acked',
    )
    const alarms = await b.api<{ items: { id: string; state: string }[] }>(
      'GET',
      '/api/v1/alarms?elderId=E01',
    )
    expect(alarms.body.items).toEqual([expect.objectContaining({ state: 'offered' })])
    const alarmId = alarms.body.items[0]?.id
    await redis.resume()
    await carer.next((r) => r.message.alarmId === alarmId && r.message.action === 'offer', 15_000)
  })
})
