import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { laneOf } from '../../gateway/cluster/lanes.ts'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { type Received, TestClient } from '../support/mqtt.ts'
import {
  type Haproxy,
  missing,
  type Postgres,
  type Redis,
  startHaproxy,
  startPostgres,
  startRedis,
} from '../support/servers.ts'
import { HOME, offset } from '../support/world.ts'

/**
 * Failover (docs/cluster.md): three gateway processes on real clocks over one PostgreSQL and one
 * Redis, a device reaching them through HAProxy. Node A takes the SOS and is killed (SIGKILL) right
 * after its PUBACK: the alarm is still offered, each first-round offer expires once (on a
 * survivor, which took A's lanes), the next round is offered and accepted once, and the device,
 * reconnected through HAProxy to a survivor, is told.
 */

const skip = missing('postgresql') ?? missing('redis-server') ?? missing('haproxy')
const TOKEN = 'cluster-admin-token-0123456789'

let postgres: Postgres
let databaseUrl = ''
const tried = new Set<string>()
let redis: Redis
let proxy: Haproxy | undefined
const nodes: ChildGateway[] = []
const clients: TestClient[] = []

async function api(node: ChildGateway, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${node.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function must(node: ChildGateway, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await api(node, method, path, body)
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`)
  return res.json()
}

async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function carer(node: ChildGateway, id: string, at: { lat: number; lon: number }): Promise<TestClient> {
  await must(node, 'PUT', `/carers/${id}`, {
    name: `护理员${id}`,
    mode: 'ebike',
    secret: `secret-${id}`,
    base: at,
  })
  const client = await TestClient.connect(node.mqttUrl, id, `secret-${id}`)
  clients.push(client)
  await client.subscribe(`care/v1/carer/${id}/task`)
  await client.publish(`care/v1/carer/${id}/duty`, { status: 'on' })
  await client.publish(`care/v1/carer/${id}/loc`, { ts: Date.now(), lat: at.lat, lon: at.lon })
  return client
}

const task = (alarmId: string, action: string) => (r: Received) =>
  r.message.alarmId === alarmId && r.message.action === action

interface AlarmView {
  state: string
  carerId?: string
  timeline: { type: string; carerId?: string }[]
}

beforeAll(async () => {
  if (skip) return
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  databaseUrl = await postgres.database()
  const url = databaseUrl
  for (const name of ['node-a', 'node-b', 'node-c']) {
    nodes.push(
      await spawnGateway({
        CARE_DATABASE_URL: url,
        CARE_REDIS_URL: redis.url,
        CARE_NODE_ID: name,
        CARE_ADMIN_TOKEN: TOKEN,
        CARE_FLOWS: 'off',
        CARE_DATA_DIR: `${process.env.TMPDIR ?? '/tmp'}/care-${name}-${process.pid}`,
        // short deadlines and leases, so the whole story takes seconds
        CARE_OFFER_TIMEOUT_S: '4',
        CARE_CLUSTER_LEASE_S: '2',
      }),
    )
  }
  proxy = await startHaproxy(nodes.map((n) => Number(new URL(n.mqttUrl).port)))
}, 90_000)

afterAll(async () => {
  await Promise.all(clients.map((c) => c.client.endAsync(true).catch(() => undefined)))
  for (const node of nodes) await node.stop()
  await proxy?.stop()
  await redis?.stop()
  await postgres?.stop()
})

describe.skipIf(skip)('a node killed right after it acknowledged an SOS', () => {
  it('leaves the alarm offered, each deadline fired once on a survivor, and one carer holding it', async () => {
    const [a, b, c] = nodes as [ChildGateway, ChildGateway, ChildGateway]
    // every node holds some lanes before the story starts
    await until(async () => {
      const health = (await (await api(b, 'GET', '/health')).json()) as {
        cluster?: { lanes: number; nodes: number }
      }
      return health.cluster?.nodes === 3 ? true : undefined
    }, 'three nodes in the cluster')
    await must(a, 'PUT', '/elders/E01', { name: '老人E01', home: HOME, risk: 'medium', grid: ['G1'] })
    await must(a, 'PUT', '/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
    // the two nearest carers on B and C get the first round, the third (on B) the second
    const first = await carer(b, 'C01', offset(HOME, 300, 0))
    const second = await carer(c, 'C02', offset(HOME, 0, 500))
    const third = await carer(b, 'C03', offset(HOME, 2_000, 0))
    // node A has heard of the three carers over the bus
    await until(async () => {
      const list = (await (await api(a, 'GET', '/carers?limit=10')).json()) as {
        items: { id: string; duty: string }[]
      }
      return list.items.filter((x) => x.duty === 'on').length === 3 ? true : undefined
    }, 'node A sees three carers on duty')

    const device = await TestClient.connect(a.mqttUrl, 'D01', 'secret-D01')
    clients.push(device)
    await device.subscribe('care/v1/dev/D01/notify')
    // Press until the alarm falls in one of A's own lanes (its id is random; each press has about
    // one chance in three), so that its deadlines die with A and must be taken over. Each alarm
    // that does not is cancelled by the centre before the next press.
    const lanes = new pg.Client({ connectionString: databaseUrl })
    await lanes.connect()
    let alarm: string | undefined
    let press = ''
    for (let attempt = 1; alarm === undefined; attempt++) {
      if (attempt > 60) throw new Error('no alarm fell in a lane of node A in 60 presses')
      press = `press-${attempt}`
      await device.publish('care/v1/dev/D01/sos', { id: press, ts: Date.now() })
      const id = (
        await device.next((r) => r.message.state === 'received' && !tried.has(r.message.alarmId as string))
      ).message.alarmId as string
      tried.add(id)
      const holder = await lanes.query<{ node: string }>('SELECT node FROM cluster_lanes WHERE lane = $1', [
        laneOf(id),
      ])
      if (holder.rows[0]?.node === 'node-a') {
        // stored and acknowledged: A dies now, whatever it still had to send
        await a.kill()
        alarm = id
      } else {
        await must(b, 'POST', `/alarms/${id}/actions`, { action: 'cancel', note: 'not in a lane of node A' })
      }
    }
    await lanes.end()
    // offered (by A before it died, or again by the survivor that took its lane)
    await first.next(task(alarm, 'offer'), 15_000)
    await second.next(task(alarm, 'offer'), 15_000)
    // nobody answers the first round: its two offers expire, on a survivor, and the third is offered
    await third.next(task(alarm, 'offer'), 20_000)
    await third.publish('care/v1/carer/C03/reply', { alarmId: alarm, action: 'accept', ts: Date.now() })
    await third.next(task(alarm, 'assigned'), 10_000)

    const view = (await (await api(c, 'GET', `/alarms/${alarm}`)).json()) as AlarmView
    expect(view.state).toBe('accepted')
    expect(view.carerId).toBe('C03')
    const expired = view.timeline.filter((e) => e.type === 'offer_expired').map((e) => e.carerId)
    expect(expired.sort()).toEqual(['C01', 'C02'])
    expect(view.timeline.filter((e) => e.type === 'accepted')).toHaveLength(1)
    expect(view.timeline.filter((e) => e.type === 'raised')).toHaveLength(1)

    // the device comes back through the load balancer, to a survivor, and its retry is a duplicate
    const again = await TestClient.connect(`mqtt://127.0.0.1:${proxy?.port}`, 'D01', 'secret-D01')
    clients.push(again)
    await again.subscribe('care/v1/dev/D01/notify')
    await again.publish('care/v1/dev/D01/sos', { id: press, ts: Date.now() })
    const open = (await (await api(b, 'GET', '/alarms?state=open,offered,accepted,arrived')).json()) as {
      items: { id: string }[]
    }
    expect(open.items.map((x) => x.id)).toEqual([alarm])
  }, 90_000)
})
