import mqtt, { type MqttClient } from 'mqtt'
import pg from 'pg'
import { LANES, laneOf } from '../../gateway/cluster/lanes.ts'
import type { TaskMessage } from '../../kernel/contract/payloads.ts'
import { topics } from '../../kernel/contract/topics.ts'
import { percentile, round } from '../suite/stats.ts'
import { type Fleet, startFleet } from './fleet-control.ts'
import { type BenchNode, startCluster } from './nodes.ts'

/**
 * One node of three killed (SIGKILL) with devices connected through HAProxy and offers pending in
 * its lanes (DESIGN: "a killed node's devices reconnected and its deadlines owned again within
 * 10 s, goal 5 s"). From the kill it measures
 *   (a) until every device is connected again, through HAProxy, to a survivor;
 *   (b) until the killed node's lanes, and then all lanes, are held again by survivors under a
 *       current lease (the cluster_lanes table; a death moves some survivors' lanes between them too);
 *   (c) until each offer expiry of the killed node's lanes that fell due while it was dead has fired
 *       on a survivor (its carers told `withdrawn`).
 */
export interface FailoverOptions {
  databaseUrl: string
  redisUrl: string
  token: string
  leaseS: number
  /** Offer lifetime: short, so the pending offers fall due while the node is dead. */
  offerS: number
  devices: number
  locPerS: number
  /** Devices wait up to this long (uniformly at random) before each reconnect attempt. */
  reconnectMs: number
  /** SOS presses before the kill (about a third fall in the killed node's lanes). */
  alarms: number
  carers: number
  /** HAProxy retries a refused connection on another node (else on the same, three times). */
  redispatch: boolean
}

export interface FailoverResult {
  leaseS: number
  renewEveryS: number
  offerTimeoutS: number
  redispatch: boolean
  devices: number
  locPerS: number
  reconnectJitterMs: number
  killedNode: { devices: number; lanes: number; alarmsInItsLanes: number }
  /** (a); connect: from a device's last attempt to its CONNACK */
  reconnect: {
    dropped: number
    allMs: number
    p50Ms: number
    p90Ms: number
    connectP50Ms: number
    connectMaxMs: number
    attemptsRefused: number
  }
  /** (b), and what the survivors' own lanes went through meanwhile */
  lanes: {
    ofKilledHeldMs: number
    allHeldMs: number
    survivorsLanesMoved: number
    survivorsLanesUnheldForAWhile: number
  }
  /** (c); dueAfterKillMs and firedMs: [first, last] */
  deadlines: { due: number; dueAfterKillMs: [number, number]; firedMs: [number, number]; lateMaxMs: number }
  timedOut: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function connect(url: string, id: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { username: id, password: `secret-${id}`, clientId: id, reconnectPeriod: 0 })
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

/** What the carers heard: each alarm's latest offer expiry, and the times of its `withdrawn`. */
interface Heard {
  expires: Map<string, number>
  withdrawn: Map<string, number[]>
}

async function carersOn(nodes: readonly BenchNode[], count: number, heard: Heard): Promise<MqttClient[]> {
  const clients: MqttClient[] = []
  for (let i = 0; i < count; i++) {
    const id = `P-C${i}`
    const c = await connect((nodes[i % nodes.length] as BenchNode).child.mqttUrl, id)
    clients.push(c)
    c.on('message', (_topic, payload) => {
      const m = JSON.parse(payload.toString()) as TaskMessage
      if (m.action === 'offer' && m.expiresAt !== undefined) {
        heard.expires.set(m.alarmId, Math.max(m.expiresAt, heard.expires.get(m.alarmId) ?? 0))
      } else if (m.action === 'withdrawn') {
        heard.withdrawn.set(m.alarmId, [...(heard.withdrawn.get(m.alarmId) ?? []), Date.now()])
      }
    })
    await c.subscribeAsync(topics.carerTask(id), { qos: 1 })
    await c.publishAsync(topics.carerUplink(id, 'duty'), JSON.stringify({ status: 'on' }), { qos: 1 })
  }
  return clients
}

/** Presses SOS on `count` devices connected to `node`; the alarm ids, once each was offered. */
async function press(
  node: BenchNode,
  count: number,
  heard: Heard,
): Promise<{ ids: string[]; clients: MqttClient[] }> {
  const ids: string[] = []
  const clients: MqttClient[] = []
  for (let i = 0; i < count; i++) {
    const id = `P-D${i}`
    const d = await connect(node.child.mqttUrl, id)
    clients.push(d)
    await d.subscribeAsync(topics.deviceNotify(id), { qos: 1 })
    const received = new Promise<string>((resolve) =>
      d.on('message', (_t, payload) =>
        resolve((JSON.parse(payload.toString()) as { alarmId: string }).alarmId),
      ),
    )
    await d.publishAsync(topics.deviceUplink(id, 'sos'), JSON.stringify({ id: `f${i}`, ts: Date.now() }), {
      qos: 1,
    })
    const alarm = await received
    const until = Date.now() + 2_000
    while (!heard.expires.has(alarm) && Date.now() < until) await sleep(2)
    ids.push(alarm)
  }
  return { ids, clients }
}

/** The lanes' holders as the cluster_lanes table tells them, polled after the kill. */
class LaneWatch {
  /** When every lane of the killed node was held by a survivor under a current lease. */
  ofKilledAt = 0
  /** When every lane was. */
  allAt = 0
  /** Lanes the survivors held before the kill that were, at some poll, held by no one. */
  readonly interrupted = new Set<number>()
  readonly db: pg.Client
  readonly killed: string
  /** The holders just before the kill. */
  readonly before: ReadonlyMap<number, string>
  #now = new Map<number, string>()

  constructor(db: pg.Client, killed: string, before: ReadonlyMap<number, string>) {
    this.db = db
    this.killed = killed
    this.before = before
  }

  static async start(db: pg.Client, killed: string): Promise<LaneWatch> {
    return new LaneWatch(db, killed, await LaneWatch.#holders(db, 0))
  }

  static async #holders(db: pg.Client, now: number): Promise<Map<number, string>> {
    const rows = await db.query<{ lane: number; node: string | null; expires_at: string }>(
      'SELECT lane, node, expires_at FROM cluster_lanes',
    )
    const current = rows.rows.filter((r) => r.node !== null && (now === 0 || Number(r.expires_at) > now))
    return new Map(current.map((r) => [r.lane, r.node as string]))
  }

  get ofKilled(): number[] {
    return [...this.before].filter(([, node]) => node === this.killed).map(([lane]) => lane)
  }

  async poll(now: number): Promise<void> {
    this.#now = await LaneWatch.#holders(this.db, now)
    const bySurvivor = (lane: number) => {
      const node = this.#now.get(lane)
      return node !== undefined && node !== this.killed
    }
    for (const [lane, node] of this.before) {
      if (node !== this.killed && !bySurvivor(lane)) this.interrupted.add(lane)
    }
    if (this.ofKilledAt === 0 && this.ofKilled.every(bySurvivor)) this.ofKilledAt = now
    if (this.allAt === 0 && this.#now.size === LANES && [...this.#now.keys()].every(bySurvivor))
      this.allAt = now
  }

  /** Lanes of the survivors that changed hands between them. */
  get movedBetweenSurvivors(): number {
    return [...this.before].filter(([lane, node]) => node !== this.killed && this.#now.get(lane) !== node)
      .length
  }
}

export async function failover(o: FailoverOptions): Promise<FailoverResult> {
  const cluster = await startCluster({
    names: ['node-a', 'node-b', 'node-c'],
    databaseUrl: o.databaseUrl,
    redisUrl: o.redisUrl,
    token: o.token,
    proxy: { redispatch: o.redispatch },
    env: { CARE_CLUSTER_LEASE_S: String(o.leaseS), CARE_OFFER_TIMEOUT_S: String(o.offerS) },
  })
  const [a, ...survivors] = cluster.nodes as [BenchNode, BenchNode, BenchNode]
  const db = new pg.Client({ connectionString: o.databaseUrl })
  await db.connect()
  const heard: Heard = { expires: new Map(), withdrawn: new Map() }
  const clients: MqttClient[] = []
  let fleet: Fleet | undefined
  try {
    fleet = startFleet(cluster.mqttUrl, 'CF', 0, o.devices, o.reconnectMs)
    const joined = await fleet.connected
    if (joined.failed > 0) throw new Error(`failover: ${joined.failed} devices did not connect`)
    await fleet.rate(o.locPerS)
    clients.push(...(await carersOn(survivors, o.carers, heard)))
    await sleep(1_000) // the pressing node hears of the carers' duty over the bus
    const pressed = await press(survivors[1], o.alarms, heard)
    clients.push(...pressed.clients)
    const lanes = await LaneWatch.start(db, a.name)
    const lanesOfA = new Set(lanes.ofKilled)
    const inA = pressed.ids.filter((id) => lanesOfA.has(laneOf(id)))
    const devicesOfA = (await a.health()).broker.connections

    await fleet.mark()
    const killedAt = Date.now()
    await a.kill()
    // the offers of the killed node's lanes that fall due while it is dead, as they stood at the kill
    const dueAt = new Map(inA.map((id) => [id, heard.expires.get(id) ?? 0]))
    const due = inA.filter((id) => (dueAt.get(id) ?? 0) > killedAt)
    let devicesAt = 0
    let report = await fleet.report()
    const fired = new Map<string, number>()
    const until = killedAt + 60_000
    while ((lanes.allAt === 0 || devicesAt === 0 || fired.size < due.length) && Date.now() < until) {
      await sleep(50)
      await lanes.poll(Date.now())
      if (devicesAt === 0) {
        report = await fleet.report()
        if (report.up === o.devices && report.episodes.length >= devicesOfA) {
          devicesAt = Math.max(killedAt, ...report.episodes.map(([, back]) => back))
        }
      }
      for (const id of due) {
        const after = heard.withdrawn.get(id)?.find((t) => t > killedAt)
        if (after !== undefined && !fired.has(id)) fired.set(id, after)
      }
    }
    const back = report.episodes.map(([, at]) => at - killedAt).sort((x, y) => x - y)
    // how long the server took to let a device in, once it knocked for the last time
    const admitted = report.episodes.map(([, at, tried]) => at - tried).sort((x, y) => x - y)
    const dueMs = due.map((id) => (dueAt.get(id) ?? 0) - killedAt)
    const firedMs = [...fired.values()].map((t) => t - killedAt)
    const late = due.map((id) => (fired.get(id) ?? Number.NaN) - (dueAt.get(id) ?? 0))
    const since = (at: number) => (at === 0 ? Number.NaN : at - killedAt)
    return {
      leaseS: o.leaseS,
      renewEveryS: o.leaseS / 5,
      offerTimeoutS: o.offerS,
      redispatch: o.redispatch,
      devices: o.devices,
      locPerS: o.locPerS,
      reconnectJitterMs: o.reconnectMs,
      killedNode: { devices: devicesOfA, lanes: lanesOfA.size, alarmsInItsLanes: inA.length },
      reconnect: {
        dropped: report.episodes.length,
        allMs: since(devicesAt),
        p50Ms: round(percentile(back, 50), 0),
        p90Ms: round(percentile(back, 90), 0),
        connectP50Ms: round(percentile(admitted, 50), 0),
        connectMaxMs: admitted.at(-1) ?? Number.NaN,
        attemptsRefused: report.refused,
      },
      lanes: {
        ofKilledHeldMs: since(lanes.ofKilledAt),
        allHeldMs: since(lanes.allAt),
        survivorsLanesMoved: lanes.movedBetweenSurvivors,
        survivorsLanesUnheldForAWhile: lanes.interrupted.size,
      },
      deadlines: {
        due: due.length,
        dueAfterKillMs: [Math.min(...dueMs), Math.max(...dueMs)],
        firedMs: [Math.min(...firedMs), Math.max(...firedMs)],
        lateMaxMs: Math.max(...late),
      },
      timedOut: Date.now() >= until,
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
    await fleet?.quit().catch(() => undefined)
    await db.end()
    await cluster.stop()
  }
}
