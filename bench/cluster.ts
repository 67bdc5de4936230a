/**
 * `node bench/cluster.ts`: cluster mode (gateway processes over one PostgreSQL and one Redis,
 * behind HAProxy) beside the single process, measured in one run on one machine. Prints one JSON line.
 * 1. SOS PUBLISH → offer, the device on node A and the carers on B and C (the offer crosses Redis,
 *    the alarm commits to PostgreSQL), against the single process (SQLite); idle, then with the
 *    fleet sending `loc` in the background. The carers keep persistent sessions, as the carer app does.
 * 2. Failover: node A of three SIGKILLed with the fleet connected through HAProxy and offers pending
 *    in its lanes; until its devices are back, its lanes held again, its due deadlines fired
 *    (bench/lib/failover.ts), for each lease in BENCH_CLUSTER_LEASES.
 * 3. Stepped `loc` ingest on one node and on two (bench/lib/cluster-ingest.ts), CPU per 1,000 `loc`.
 * 4. For sizing: memory per device connection (the fleet on one node, as on the single process), and
 *    PostgreSQL's, Redis' and HAProxy's load with the fleet spread over the nodes, quiet and then
 *    sending `loc` at the stated rate.
 * PostgreSQL keeps its durability defaults (fsync, synchronous commit); SQLite the gateway's own (WAL,
 * synchronous NORMAL). Sizes: BENCH_CLUSTER_DEVICES (fleet, 2,000), BENCH_CLUSTER_LOC_RATE (the fleet's
 * `loc`/s in total, 0.5 a device), BENCH_CLUSTER_SOS (presses per run, 1,000), BENCH_CLUSTER_WINDOW_S (10),
 * BENCH_CLUSTER_INGEST_RATES, BENCH_CLUSTER_INGEST_STEP_S (10), BENCH_CLUSTER_LEASES ('5,2'),
 * BENCH_CLUSTER_RETRY ('redispatch,same': HAProxy retrying a refused connection on another node, or
 * on the same as its default does; each failover runs with each),
 * BENCH_CLUSTER_RECONNECT_MS (a device's wait before reconnecting, at most; 1,000),
 * BENCH_CLUSTER_FAILOVER_ALARMS (30).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { HAPROXY, postgresBin, REDIS, startRedis } from '../tests/support/servers.ts'
import { clusterIngest, ingestCost } from './lib/cluster-ingest.ts'
import { connectionMemory, loadWindow, type SharedServers, sizing } from './lib/cluster-load.ts'
import { failover } from './lib/failover.ts'
import { type Fleet, startFleet } from './lib/fleet-control.ts'
import { benchNode, startCluster } from './lib/nodes.ts'
import { startBenchPostgres } from './lib/postgres.ts'
import { watchRedis } from './lib/redis-load.ts'
import { carerRecords, deviceRecords, type Records, records, startGateway } from './suite/gateway.ts'
import type { IngestResult } from './suite/ingest.ts'
import { runJson } from './suite/servers.ts'
import { round } from './suite/stats.ts'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const DEVICES = env('BENCH_CLUSTER_DEVICES', 2_000)
const LOC_RATE = env('BENCH_CLUSTER_LOC_RATE', DEVICES / 2)
const SOS = env('BENCH_CLUSTER_SOS', 1_000)
const WINDOW_S = env('BENCH_CLUSTER_WINDOW_S', 10)
const INGEST_STEP_S = env('BENCH_CLUSTER_INGEST_STEP_S', 10)
const INGEST_RATES = (process.env.BENCH_CLUSTER_INGEST_RATES ?? '2500,5000,7500,10000,12500,15000,20000')
  .split(',')
  .map(Number)
const LEASES = (process.env.BENCH_CLUSTER_LEASES ?? '5,2').split(',').map(Number)
/** How HAProxy retries a connection its node refused: on another node, and on the same (its default). */
const RETRIES = (process.env.BENCH_CLUSTER_RETRY ?? 'redispatch,same')
  .split(',')
  .map((r) => r === 'redispatch')
const RECONNECT_MS = env('BENCH_CLUSTER_RECONNECT_MS', 1_000)
const FAILOVER_ALARMS = env('BENCH_CLUSTER_FAILOVER_ALARMS', 30)
const CARERS = 50
const TOKEN = 'bench-cluster-admin-token-0123456789'
const PROBE = join(import.meta.dirname, 'suite', 'sos-probe.ts')

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const load1 = () => round(loadavg()[0] ?? 0)
const say = (what: string) => process.stderr.write(`  cluster: ${what}\n`)

interface Probe {
  offers: number
  missed: number
  noReceipt: number
  offerMs: { p50: number; p99: number; max: number }
  over25ms: number
}

/** One run of the suite's SOS probe (bench/suite/sos-probe.ts), its figures without the slowest presses. */
async function probe(args: string[]): Promise<Probe> {
  const r = await runJson<Probe>(PROBE, args, { BENCH_PROBE_PERSISTENT: '1' })
  return {
    offers: r.offers,
    missed: r.missed,
    noReceipt: r.noReceipt,
    offerMs: r.offerMs,
    over25ms: r.over25ms,
  }
}

/** Everything each phase needs, provisioned once: SOS devices for two runs, carers, the fleet and its probe. */
const everyone = (): Records =>
  records(deviceRecords('P-D', 2 * SOS), carerRecords('P-C', CARERS), deviceRecords('CF', DEVICES + 1))

/** The single process (SQLite): SOS idle, the fleet's memory, SOS with the fleet sending. */
async function single() {
  const gw = await startGateway()
  try {
    await gw.provision(everyone())
    const url = gw.child.mqttUrl
    const idle = await probe([url, String(SOS), String(CARERS)])
    let fleet: Fleet | undefined
    const memory = await connectionMemory([benchNode(gw, 'single')], () => {
      fleet = startFleet(url, 'CF', 0, DEVICES, RECONNECT_MS)
      return fleet.connected
    })
    await fleet?.rate(LOC_RATE)
    await sleep(3_000)
    const loaded = await probe([url, String(SOS), String(CARERS), '', String(SOS)])
    await fleet?.quit()
    return { idle, loaded, memory }
  } finally {
    await gw.child.stop()
  }
}

/** Three nodes: SOS idle, the fleet's memory and the servers' load, SOS with the fleet sending. */
async function cluster(servers: SharedServers, databaseUrl: string, redisUrl: string) {
  const c = await startCluster({
    names: ['node-a', 'node-b', 'node-c'],
    databaseUrl,
    redisUrl,
    token: TOKEN,
    proxy: { redispatch: true },
  })
  try {
    const [a, b, d] = c.nodes.map((n) => n.child.mqttUrl) as [string, string, string]
    // the device presses on node A, the carers are on B and C: every offer crosses Redis
    const carersAt = `${b},${d}`
    const idle = await probe([a, String(SOS), String(CARERS), carersAt])
    // memory and connect time with the whole fleet on node A, as on the single process
    let fleet: Fleet | undefined
    const memory = await connectionMemory(c.nodes, () => {
      fleet = startFleet(a, 'CF', 0, DEVICES, RECONNECT_MS)
      return fleet.connected
    })
    await fleet?.quit()
    // then spread over the nodes by HAProxy, for the servers' load and the loaded SOS
    fleet = startFleet(c.mqttUrl, 'CF', 0, DEVICES, RECONNECT_MS)
    await fleet.connected
    const watched = { ...servers, proxyPid: c.proxy?.pid }
    const quiet = await loadWindow(c.nodes, watched, Math.min(5, WINDOW_S))
    await fleet?.rate(LOC_RATE)
    await sleep(3_000)
    const busy = await loadWindow(c.nodes, watched, WINDOW_S)
    const loaded = await probe([a, String(SOS), String(CARERS), carersAt, String(SOS)])
    await fleet?.quit()
    return { idle, loaded, memory, quiet, busy }
  } finally {
    await c.stop()
  }
}

/** `PostgreSQL 15.18`, from the server's own word. */
function postgresVersion(): string {
  const text = execFileSync(join(postgresBin() ?? '', 'postgres'), ['--version']).toString()
  return `PostgreSQL ${/\d+(\.\d+)?/.exec(text)?.[0] ?? ''}`.trim()
}

async function main(): Promise<Record<string, unknown>> {
  const startedAt = Date.now()
  const loadAtStart = load1()
  const pg = await startBenchPostgres()
  const redisServer = await startRedis()
  const redis = await watchRedis(redisServer.url)
  try {
    const phase = async (name: string) => {
      await redis.flush()
      const url = await pg.database(name, 'seed')
      return { url, servers: { pg, redis, database: name } }
    }
    // the registry, once: every later database is a copy of this one
    const seedUrl = await pg.database('seed')
    const seed = await startCluster({
      names: ['seed'],
      databaseUrl: seedUrl,
      redisUrl: redisServer.url,
      token: TOKEN,
    })
    const t0 = performance.now()
    const rows = everyone()
    await seed.nodes[0]?.provision(rows)
    const provisionS = (performance.now() - t0) / 1000
    await seed.stop()
    say(`provisioned ${rows.devices?.length} devices on PostgreSQL in ${provisionS.toFixed(1)} s`)

    const singleRun = await single()
    say(`single: SOS p99 ${singleRun.idle.offerMs.p99} / loaded ${singleRun.loaded.offerMs.p99} ms`)
    const sosDb = await phase('sos')
    const clusterRun = await cluster(sosDb.servers, sosDb.url, redisServer.url)
    say(`cluster: SOS p99 ${clusterRun.idle.offerMs.p99} / loaded ${clusterRun.loaded.offerMs.p99} ms`)

    const ingest: Record<string, IngestResult> = {}
    for (const nodes of [1, 2] as const) {
      const db = await phase(`ingest${nodes}`)
      ingest[nodes] = await clusterIngest({
        nodes,
        servers: db.servers,
        databaseUrl: db.url,
        redisUrl: redisServer.url,
        token: TOKEN,
        devices: DEVICES,
        rates: INGEST_RATES,
        stepS: INGEST_STEP_S,
      })
      say(
        `ingest on ${nodes}: ${ingest[nodes]?.sustainedPerS}/s within 25 ms, ${ingest[nodes]?.throughputPerS}/s`,
      )
    }

    const failovers = []
    for (const [leaseS, redispatch] of LEASES.flatMap((l) => RETRIES.map((r): [number, boolean] => [l, r]))) {
      const db = await phase(`failover${failovers.length}`)
      const r = await failover({
        databaseUrl: db.url,
        redisUrl: redisServer.url,
        token: TOKEN,
        leaseS,
        offerS: 2,
        devices: DEVICES,
        locPerS: LOC_RATE,
        reconnectMs: RECONNECT_MS,
        alarms: FAILOVER_ALARMS,
        carers: 20,
        redispatch,
      })
      say(`failover, lease ${leaseS} s, redispatch ${redispatch}: ${JSON.stringify(r)}`)
      failovers.push(r)
    }

    const one = ingest[1] as IngestResult
    const two = ingest[2] as IngestResult
    const ratio = (c: Probe, s: Probe) => round(c.offerMs.p99 / s.offerMs.p99, 2)
    return {
      bench: 'cluster',
      setup: {
        nodes: 3,
        postgres: postgresVersion(),
        devices: DEVICES,
        locPerS: LOC_RATE,
        sos: SOS,
        carers: CARERS,
        carerSessions: 'persistent',
      },
      provision: { devices: rows.devices?.length ?? 0, seconds: round(provisionS, 1) },
      sos: {
        single: { idle: singleRun.idle, loaded: singleRun.loaded },
        cluster: { idle: clusterRun.idle, loaded: clusterRun.loaded },
        p99Ratio: {
          idle: ratio(clusterRun.idle, singleRun.idle),
          loaded: ratio(clusterRun.loaded, singleRun.loaded),
        },
      },
      memory: { single: singleRun.memory, cluster: clusterRun.memory },
      load: {
        quiet: clusterRun.quiet,
        busy: clusterRun.busy,
        sizing: sizing(clusterRun.quiet, clusterRun.busy, DEVICES, LOC_RATE),
      },
      ingest: { one, two, cost: ingestCost(one, two) },
      failover: failovers,
      loadAverage: { start: loadAtStart, end: load1() },
      minutes: round((Date.now() - startedAt) / 60_000, 1),
    }
  } finally {
    await redis.close()
    await redisServer.stop()
    await pg.stop()
  }
}

const missingServer = !postgresBin()
  ? 'postgresql'
  : !existsSync(REDIS)
    ? 'redis-server'
    : !existsSync(HAPROXY)
      ? 'haproxy'
      : undefined
if (missingServer) {
  process.stdout.write(`${JSON.stringify({ bench: 'cluster', skipped: `${missingServer} not installed` })}\n`)
} else {
  process.stdout.write(`${JSON.stringify(await main())}\n`)
}
// the drivers' child processes and sockets are gone; nothing should hold the process, but make sure
process.exit(0)
