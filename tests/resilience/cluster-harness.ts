import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import pg from 'pg'
import { holderOf } from '../../gateway/cluster/lanes.ts'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { type Haproxy, startHaproxy } from '../support/servers.ts'
import { HOME, offset } from '../support/world.ts'
import { Buttons, carerPhone, centreDesk, connector, sleep, watchLanes } from './cluster-actors.ts'
import { type AuditFigures, auditCluster, type ClusterAudit } from './cluster-audit.ts'
import { freePort, seeded } from './harness.ts'

/**
 * The crash harness against a cluster (docs/cluster.md): three gateway processes over one
 * PostgreSQL and one Redis, HAProxy in front. Devices press SOS, carers accept some offers and let
 * the others run out, the centre closes what was escalated to it (cluster-actors.ts), while a
 * random node is killed with SIGKILL at seeded moments and started again a little later under
 * the same name and ports. Clients reach the nodes through HAProxy only, so a client of a dead
 * node lands on a survivor. Then the store is audited (cluster-audit.ts).
 */

export const NODES = ['node-a', 'node-b', 'node-c'] as const
const TOKEN = 'cluster-crash-admin-token-01234'

export interface ClusterShape {
  seed: number
  devices: number
  carers: number
  presses: number
  kills: number
  /** The presses and the kills are spread over this long. */
  spreadMs: number
  /** How long the centre lets an escalated alarm wait before it closes it: between these (ms). */
  centreMs: readonly [number, number]
}

export interface ClusterTiming {
  offerTimeoutS: number
  leaseS: number
  /** The node's own work on a deadline it owes, on top of a lease (see AuditInput.graceMs). */
  marginMs: number
  /** CARE_RESPONSE_MIN for every grade. */
  responseMin: number
}

export interface ClusterOutcome {
  sent: number
  acked: ReadonlySet<string>
  kills: number
  restarts: number
  /** Kills after which a survivor took lanes of the dead node before it came back, and how many lanes. */
  takeovers: number
  lanesTakenOver: number
  centreClosed: number
  /** From the last restart's end to the cluster settled. */
  settleMs: number
  audit: ClusterAudit
  figures: AuditFigures
}

interface RigNode {
  id: (typeof NODES)[number]
  env: Record<string, string>
  api: string
  gateway: ChildGateway | undefined
  /** While it is down: the number of the kill that took it down. */
  downBy: number | undefined
}

async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`)
    await sleep(100)
  }
}

/** The three nodes, HAProxy in front of their MQTT ports, and a connection of the test's own to PostgreSQL. */
class ClusterRig {
  readonly nodes: RigNode[]
  readonly db: pg.Client
  readonly leaseMs: number
  kills = 0
  restarts = 0
  #proxy: Haproxy | undefined
  readonly #restarting: Promise<void>[] = []
  readonly #dataDir: string

  constructor(
    servers: { databaseUrl: string; redisUrl: string },
    timing: ClusterTiming,
    ports: readonly number[],
    dataDir: string,
  ) {
    this.#dataDir = dataDir
    this.leaseMs = timing.leaseS * 1_000
    this.db = new pg.Client({ connectionString: servers.databaseUrl })
    this.nodes = NODES.map((id, i) => ({
      id,
      api: `http://127.0.0.1:${ports[2 * i]}/api/v1`,
      gateway: undefined,
      downBy: undefined,
      env: {
        CARE_DATABASE_URL: servers.databaseUrl,
        CARE_REDIS_URL: servers.redisUrl,
        CARE_NODE_ID: id,
        CARE_DATA_DIR: join(this.#dataDir, id),
        CARE_ADMIN_TOKEN: TOKEN,
        CARE_FLOWS: 'off',
        CARE_HTTP_PORT: String(ports[2 * i]),
        CARE_MQTT_PORT: String(ports[2 * i + 1]),
        CARE_OFFER_TIMEOUT_S: String(timing.offerTimeoutS),
        CARE_OFFER_TIMEOUT_LOW_S: String(timing.offerTimeoutS),
        CARE_CLUSTER_LEASE_S: String(timing.leaseS),
        CARE_RESPONSE_MIN: Array(4).fill(timing.responseMin).join(','),
      },
    }))
  }

  /** The nodes started, HAProxy in front; the MQTT URL the clients use. */
  async start(): Promise<string> {
    await Promise.all(
      this.nodes.map(async (n) => {
        n.gateway = await spawnGateway(n.env)
      }),
    )
    this.#proxy = await startHaproxy(this.nodes.map((n) => Number(n.env.CARE_MQTT_PORT)))
    await this.db.connect()
    return `mqtt://127.0.0.1:${this.#proxy.port}`
  }

  up(): RigNode[] {
    return this.nodes.filter((n) => n.gateway !== undefined && n.downBy === undefined)
  }

  api(node: RigNode, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${node.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(5_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  /** A POST through a random node that is up; whether it was taken (a node dying under it is not). */
  async act(random: () => number, path: string, body: unknown): Promise<boolean> {
    const nodes = this.up()
    const node = nodes[Math.floor(random() * nodes.length)]
    if (!node) return false
    const res = await this.api(node, 'POST', path, body).catch(() => undefined)
    return res?.ok ?? false
  }

  /** SIGKILL a random node of those up, never the last one standing; started again `pause(ms)` later. */
  async killOne(random: () => number): Promise<void> {
    while (this.up().length < 2) await sleep(50)
    const alive = this.up()
    const victim = alive[Math.floor(random() * alive.length)] as RigNode
    const pauseMs = 500 + random() * 3_000
    const gateway = victim.gateway
    victim.downBy = ++this.kills
    victim.gateway = undefined
    this.#restarting.push(
      (async () => {
        await gateway?.kill()
        await sleep(pauseMs)
        victim.gateway = await spawnGateway(victim.env, 30_000)
        victim.downBy = undefined
        this.restarts++
      })(),
    )
  }

  /** Every killed node is back. */
  async restarted(): Promise<void> {
    await Promise.all(this.#restarting)
  }

  /**
   * Settled: the three nodes beat, and every lane is leased, unexpired, to the node the assignment
   * gives it (`holderOf`, gateway/cluster/lanes.ts). With all three beating that assignment does not
   * change, so no lane moves any more.
   */
  async settled(ms: number): Promise<void> {
    await until(
      async () => {
        const now = Date.now()
        const beating = await this.db.query('SELECT node FROM cluster_nodes WHERE seen_at > $1', [
          now - this.leaseMs,
        ])
        const { rows } = await this.db.query<{ lane: number; node: string | null; expires_at: string }>(
          'SELECT lane, node, expires_at FROM cluster_lanes',
        )
        return (
          beating.rowCount === NODES.length &&
          rows.every((r) => r.node === holderOf(r.lane, NODES) && Number(r.expires_at) > now)
        )
      },
      'every lane leased to its node',
      ms,
    )
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.#restarting)
    await Promise.all(this.nodes.map((n) => n.gateway?.stop()))
    await this.#proxy?.stop()
    await this.db.end().catch(() => undefined)
    rmSync(this.#dataDir, { recursive: true, force: true })
  }
}

/** Elders with their buttons, carers with their bases, through the first node's API. */
async function register(rig: ClusterRig, shape: ClusterShape, random: () => number): Promise<void> {
  const put = async (path: string, body: unknown) => {
    const res = await rig.api(rig.nodes[0] as RigNode, 'PUT', path, body)
    if (res.status >= 300) throw new Error(`PUT ${path} → ${res.status} ${await res.text()}`)
  }
  for (let i = 0; i < shape.devices; i++) {
    const home = offset(HOME, (random() - 0.5) * 4_000, (random() - 0.5) * 4_000)
    const risk = random() < 0.2 ? 'high' : 'medium'
    await put(`/elders/E${i}k`, { name: `老人${i}`, home, risk })
    await put(`/devices/D${i}k`, { kind: 'terminal', elderId: `E${i}k`, secret: `secret-D${i}k` })
  }
  for (let i = 0; i < shape.carers; i++) {
    const base = offset(HOME, (random() - 0.5) * 3_000, (random() - 0.5) * 3_000)
    await put(`/carers/C${i}k`, { name: `护理员${i}`, mode: 'ebike', secret: `secret-C${i}k`, base })
  }
}

/** Every node's carer book has every carer on duty (heard over the bus). */
async function onDutyEverywhere(rig: ClusterRig, carers: number): Promise<void> {
  await until(
    async () => {
      for (const node of rig.nodes) {
        const res = await rig.api(node, 'GET', `/carers?limit=${carers + 10}`)
        const list = (await res.json()) as { items: { duty: string }[] }
        if (list.items.filter((c) => c.duty === 'on').length < carers) return false
      }
      return true
    },
    'every carer on duty on every node',
    20_000,
  )
}

/** The presses and the kills at seeded moments over the spread, in the order they fall. */
async function pressAndKill(
  rig: ClusterRig,
  buttons: Buttons,
  shape: ClusterShape,
  random: () => number,
): Promise<void> {
  const events = [
    ...Array.from({ length: shape.presses }, () => ({ at: random() * shape.spreadMs, kill: false })),
    ...Array.from({ length: shape.kills }, () => ({
      at: (0.05 + random() * 0.9) * shape.spreadMs,
      kill: true,
    })),
  ].sort((a, b) => a.at - b.at)
  const start = Date.now()
  for (const event of events) {
    await sleep(start + event.at - Date.now())
    if (event.kill) await rig.killOne(random)
    else buttons.press()
  }
}

export async function clusterCrashRun(
  servers: { databaseUrl: string; redisUrl: string },
  shape: ClusterShape,
  timing: ClusterTiming,
): Promise<ClusterOutcome> {
  const random = seeded(shape.seed)
  const ports: number[] = []
  for (let i = 0; i < 2 * NODES.length; i++) ports.push(await freePort())
  const rig = new ClusterRig(servers, timing, ports, mkdtempSync(join(tmpdir(), 'care-cluster-crash-')))
  const clients: MqttClient[] = []
  const loops: Promise<void>[] = []
  let stopped = false
  try {
    const connect = connector(await rig.start(), clients)
    await register(rig, shape, random)
    await rig.settled(30_000)
    for (let i = 0; i < shape.carers; i++) {
      carerPhone(connect(`C${i}k`), `C${i}k`, seeded(shape.seed + 1 + i), timing.offerTimeoutS)
    }
    await onDutyEverywhere(rig, shape.carers)
    const buttons = new Buttons(
      Array.from({ length: shape.devices }, (_, i) => connect(`D${i}k`)),
      random,
    )
    await until(async () => buttons.connected(), 'every device connected', 20_000)

    const lanes = { takeovers: new Set<number>(), lanes: 0 }
    const downBy = (id: string) => rig.nodes.find((n) => n.id === id)?.downBy
    loops.push(watchLanes(rig.db, downBy, lanes, () => stopped))
    const centre = { closed: 0 }
    const desk = seeded(shape.seed + 1_000)
    const act = (path: string, body: unknown) => rig.act(desk, path, body)
    loops.push(centreDesk(rig.db, act, desk, shape.centreMs, centre, () => stopped))

    await pressAndKill(rig, buttons, shape, random)
    await rig.restarted()
    const restartedAt = Date.now()
    // the devices send again what was not acknowledged, now that every node is back
    await buttons.acknowledged(30_000)

    // (3) the cluster settles; then every offer pending at that moment has its deadline pass, plus the grace
    await rig.settled(30_000)
    const settledAt = Date.now()
    const graceMs = rig.leaseMs + timing.marginMs
    const latest = await rig.db.query<{ latest: string | null }>(
      "SELECT max(expires_at) AS latest FROM offers WHERE status = 'pending'",
    )
    await sleep(Math.max(settledAt, Number(latest.rows[0]?.latest ?? 0)) + graceMs + 100 - Date.now())
    const { audit, figures } = await auditCluster({
      databaseUrl: servers.databaseUrl,
      acked: buttons.acked,
      elderOf: (deviceId) => deviceId.replace(/^D/, 'E'),
      settledAt,
      graceMs,
      responseMs: timing.responseMin * 60_000,
    })
    return {
      sent: buttons.sent,
      acked: buttons.acked,
      kills: rig.kills,
      restarts: rig.restarts,
      takeovers: lanes.takeovers.size,
      lanesTakenOver: lanes.lanes,
      centreClosed: centre.closed,
      settleMs: settledAt - restartedAt,
      audit,
      figures,
    }
  } finally {
    stopped = true
    await Promise.allSettled(loops)
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
    await rig.stop()
  }
}
