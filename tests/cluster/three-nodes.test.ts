import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { LANES, laneOf } from '../../gateway/cluster/lanes.ts'
import type { Received, TestClient } from '../support/mqtt.ts'
import { missing, type Postgres, type Redis, startPostgres, startRedis } from '../support/servers.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * Cluster mode with three gateways in this process, each with its own broker, HTTP server and
 * manual clock, sharing one PostgreSQL database and one Redis (docs/cluster.md). The device is on
 * node A, the carers on B and C: the SOS is offered across nodes, the first accept wins whichever
 * node it reaches, and a deadline fires once, on the node holding its lane.
 */

const skip = missing('postgresql') ?? missing('redis-server')

let pg: Postgres
let redis: Redis
const nodes: World[] = []
let a: World
let b: World
let c: World
let device: TestClient
let nearer: TestClient
let farther: TestClient

async function node(name: string, databaseUrl: string): Promise<World> {
  const world = await startWorld({
    env: { CARE_DATABASE_URL: databaseUrl, CARE_REDIS_URL: redis.url, CARE_NODE_ID: name },
    idPrefix: name.toUpperCase(),
  })
  nodes.push(world)
  return world
}

/** Moves every node's clock on together, a second at a time (their lanes renew each second). */
async function advanceAll(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 1_000) {
    const step = Math.min(1_000, ms - done)
    for (const world of nodes) await world.scheduler.advance(step)
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within 10 s: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

beforeAll(async () => {
  if (skip) return
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
  const url = await pg.database()
  a = await node('node-a', url)
  b = await node('node-b', url)
  c = await node('node-c', url)
  // the lanes settle: each node renews, the first one lets go of the lanes now assigned to the others
  await advanceAll(3_000)
  await a.elder('E01')
  device = await a.device('D01', 'E01')
  nearer = await b.carer('C01', offset(HOME, 300, 0))
  farther = await c.carer('C02', offset(HOME, 0, 600))
  // node A's carer book hears of both over the bus
  await until(
    () => a.app.surface.carer('C01')?.duty === 'on' && a.app.surface.carer('C02')?.position !== undefined,
    'both carers on duty in node A’s book',
  )
}, 60_000)

afterAll(async () => {
  for (const world of nodes.splice(0).reverse()) await world.stop()
  await redis?.stop()
  await pg?.stop()
})

interface AlarmView {
  state: string
  carerId?: string
  timeline: { type: string; carerId?: string }[]
}

const task = (alarmId: string, action: string) => (r: Received) =>
  r.message.alarmId === alarmId && r.message.action === action

let presses = 0
const raised = new Set<string>()
/** A new press; the id of the new alarm it opened (each test closes its alarms). */
async function sos(): Promise<string> {
  await device.publish('care/v1/dev/D01/sos', { id: `press-${++presses}`, ts: a.clock.now() })
  const received = await device.next(
    (r) => r.message.state === 'received' && !raised.has(r.message.alarmId as string),
  )
  const alarmId = received.message.alarmId as string
  raised.add(alarmId)
  return alarmId
}

async function view(world: World, alarmId: string): Promise<AlarmView> {
  return (await world.api<AlarmView>('GET', `/api/v1/alarms/${alarmId}`)).body
}

async function resolve(world: World, carerId: string, alarmId: string): Promise<void> {
  const res = await world.api('POST', `/api/v1/carers/${carerId}/reply`, {
    alarmId,
    action: 'resolve',
    outcome: 'assisted',
    ts: world.clock.now(),
  })
  expect(res.status).toBe(200)
}

describe.skipIf(skip)('three gateways over one PostgreSQL and one Redis', () => {
  it('hold the lanes between them, each lane on one node', async () => {
    const held = nodes.map((w) => w.app.surface.lanes?.size ?? 0)
    expect(held.reduce((sum, n) => sum + n, 0)).toBe(LANES)
    expect(Math.min(...held)).toBeGreaterThan(0)
  })

  it('offer an SOS from a device on node A to carers on B and C, and two accepts at once leave one winner', async () => {
    for (let round = 0; round < 8; round++) {
      const alarmId = await sos()
      await nearer.next(task(alarmId, 'offer'))
      await farther.next(task(alarmId, 'offer'))
      const accept = { alarmId, action: 'accept', ts: a.clock.now() }
      await Promise.all([
        nearer.publish('care/v1/carer/C01/reply', accept),
        farther.publish('care/v1/carer/C02/reply', accept),
      ])
      const winner = await (async () => {
        for (;;) {
          const v = await view(a, alarmId)
          if (v.state === 'accepted') return v
          await new Promise((r) => setTimeout(r, 10))
        }
      })()
      expect(winner.timeline.filter((e) => e.type === 'accepted')).toHaveLength(1)
      const [won, lost] = winner.carerId === 'C01' ? [nearer, farther] : [farther, nearer]
      await won.next(task(alarmId, 'assigned'))
      await lost.next(task(alarmId, 'withdrawn'))
      // every node reads the same alarm
      for (const world of nodes) expect((await view(world, alarmId)).carerId).toBe(winner.carerId)
      await resolve(b, winner.carerId as string, alarmId)
    }
  })

  it('shows an alarm raised on node A on the live stream of node C, as its board would', async () => {
    const frames: { type: string; alarm?: { id: string }; entry?: { type: string } }[] = []
    const ws = new WebSocket(`ws://127.0.0.1:${c.app.httpPort}/api/v1/live?token=${ADMIN_TOKEN}`)
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))))
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    try {
      const alarmId = await sos()
      await until(
        () =>
          frames.some((f) => f.type === 'alarm' && f.alarm?.id === alarmId && f.entry?.type === 'offered'),
        'the alarm offered, on node C’s stream',
      )
      const closed = await a.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
        action: 'cancel',
        note: 'test over',
      })
      expect(closed.status).toBe(200)
      await until(
        () => frames.some((f) => f.alarm?.id === alarmId && f.entry?.type === 'cancelled'),
        'the cancel, on node C’s stream',
      )
    } finally {
      ws.close()
    }
  })

  it('calls a device silent once, on the node holding its lane, though it talks to another node', async () => {
    // a device whose lane node B does not hold, talking to node B only
    const id = ['D11', 'D12', 'D13', 'D14', 'D15', 'D16'].find((d) => !b.app.surface.lanes?.has(laneOf(d)))
    if (!id) throw new Error('no device id outside node B’s lanes')
    await b.elder('E02')
    const watch = await b.device(id, 'E02', { intervalS: 60 })
    await watch.publish(`care/v1/dev/${id}/status`, { online: true, battery: 90 })
    const offline = async () =>
      (await b.api<{ items: { kind: string }[] }>('GET', '/api/v1/alarms?elderId=E02')).body.items.filter(
        (x) => x.kind === 'device_offline',
      )
    await advanceAll(170_000)
    // heard by node B; the lane's node learns it from the store when its deadline comes
    await watch.publish(`care/v1/dev/${id}/loc`, { ts: b.clock.now(), ...HOME })
    await advanceAll(170_000)
    expect(await offline()).toEqual([])
    await advanceAll(20_000)
    await until(async () => (await offline()).length > 0, 'the device_offline alarm')
    await advanceAll(300_000)
    expect(await offline()).toHaveLength(1)
  })

  it('fires an offer’s expiry once, on the node holding its lane, whichever node made the offer', async () => {
    const alarmId = await sos()
    await nearer.next(task(alarmId, 'offer'))
    // nobody answers: past the 60 s offer on every node's clock
    await advanceAll(61_000)
    await until(
      async () => (await view(a, alarmId)).timeline.some((e) => e.type === 'offer_expired'),
      'the expiry',
    )
    // a second round, and every node's clock past it too
    await advanceAll(5_000)
    const v = await view(c, alarmId)
    const expired = v.timeline.filter((e) => e.type === 'offer_expired')
    // the first round's two offers expired once each, however many nodes saw the deadline
    expect(expired.map((e) => e.carerId).sort()).toEqual(['C01', 'C02'])
    const closed = await b.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
      action: 'cancel',
      note: 'test over',
    })
    expect(closed.status).toBe(200)
  })
})
