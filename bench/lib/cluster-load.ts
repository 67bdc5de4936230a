import { procCpuMs } from '../suite/servers.ts'
import { round } from '../suite/stats.ts'
import type { BenchNode } from './nodes.ts'
import type { BenchPostgres } from './postgres.ts'
import { commandRates, type RedisSample, type RedisWatch } from './redis-load.ts'

/** The shared servers of a cluster, as the benchmark watches them. */
export interface SharedServers {
  pg: BenchPostgres
  /** The database the cluster runs on (its commits are counted). */
  database: string
  redis: RedisWatch
  /** HAProxy's process, when the cluster is behind one. */
  proxyPid?: number | undefined
}

interface Snapshot {
  t: number
  nodes: { name: string; cpuMs: number; stored: number }[]
  pgCpuMs: number
  pgCommits: number
  redis: RedisSample
  proxyCpuMs: number
}

async function snapshot(nodes: readonly BenchNode[], s: SharedServers): Promise<Snapshot> {
  const t = performance.now()
  const each = await Promise.all(
    nodes.map(async (n) => ({
      name: n.name,
      cpuMs: await procCpuMs(n.pid),
      stored: (await n.metrics()).get('care_positions_stored_total') ?? 0,
    })),
  )
  return {
    t,
    nodes: each,
    proxyCpuMs: s.proxyPid ? await procCpuMs(s.proxyPid) : 0,
    pgCpuMs: s.pg.cpuMs(),
    pgCommits: await s.pg.commits(s.database),
    redis: await s.redis.sample(),
  }
}

/** CPU as % of one core, and rates a second, of the nodes and the shared servers over `seconds`. */
export async function loadWindow(nodes: readonly BenchNode[], s: SharedServers, seconds: number) {
  const a = await snapshot(nodes, s)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const b = await snapshot(nodes, s)
  const ms = b.t - a.t
  const pct = (x: number, y: number) => round(((y - x) / ms) * 100, 1)
  const perS = (x: number, y: number) => round(((y - x) * 1000) / ms, 1)
  return {
    seconds: round(ms / 1000, 1),
    nodes: Object.fromEntries(
      b.nodes.map((n, i) => {
        const before = a.nodes[i] ?? n
        return [n.name, { cpuPct: pct(before.cpuMs, n.cpuMs), storedPerS: perS(before.stored, n.stored) }]
      }),
    ),
    storedPerS: perS(
      a.nodes.reduce((sum, n) => sum + n.stored, 0),
      b.nodes.reduce((sum, n) => sum + n.stored, 0),
    ),
    postgres: { cpuPct: pct(a.pgCpuMs, b.pgCpuMs), commitsPerS: perS(a.pgCommits, b.pgCommits) },
    haproxy: { cpuPct: pct(a.proxyCpuMs, b.proxyCpuMs) },
    redis: {
      cpuPct: pct(a.redis.cpuMs, b.redis.cpuMs),
      commandsPerS: perS(a.redis.commands, b.redis.commands),
      byCommand: commandRates(a.redis, b.redis, ms),
    },
  }
}

export type LoadWindow = Awaited<ReturnType<typeof loadWindow>>

/** The node's connection count once two readings half a second apart agree. */
async function steadyConnections(node: BenchNode): Promise<number> {
  let last = -1
  for (let i = 0; i < 20; i++) {
    const now = (await node.health()).broker.connections
    if (now === last) return now
    last = now
    await new Promise((r) => setTimeout(r, 500))
  }
  return last
}

/**
 * Resident memory of each node before and after `connect` (2 s after it), per connection it took;
 * and how long connecting took (each device's secret checked once on the node it reached).
 */
export async function connectionMemory(nodes: readonly BenchNode[], connect: () => Promise<unknown>) {
  // connections of a client that just left (a probe) may still be closing: count from a still point
  const held0 = await Promise.all(nodes.map((n) => steadyConnections(n)))
  const before = await Promise.all(nodes.map((n) => n.rss()))
  const t0 = performance.now()
  await connect()
  const connectS = round((performance.now() - t0) / 1000, 2)
  await new Promise((r) => setTimeout(r, 2_000))
  const after = await Promise.all(nodes.map((n) => n.rss()))
  const held1 = await Promise.all(nodes.map(async (n) => (await n.health()).broker.connections))
  const mb = (bytes: number) => round(bytes / 2 ** 20, 1)
  const perNode = nodes.map((n, i) => {
    const took = (held1[i] ?? 0) - (held0[i] ?? 0)
    const grew = (after[i] ?? 0) - (before[i] ?? 0)
    return {
      node: n.name,
      connections: took,
      rssBeforeMB: mb(before[i] ?? 0),
      rssAfterMB: mb(after[i] ?? 0),
      kbPerConnection: took > 0 ? round(grew / took / 1024, 1) : Number.NaN,
    }
  })
  const took = perNode.reduce((sum, n) => sum + n.connections, 0)
  const grew = after.reduce((sum, x, i) => sum + x - (before[i] ?? 0), 0)
  return {
    connections: took,
    connectS,
    kbPerConnection: took > 0 ? round(grew / took / 1024, 1) : Number.NaN,
    perNode,
  }
}

/**
 * For sizing: what the cluster costs with the fleet connected and silent (heartbeats, leases: a
 * fixed cost, not one per device), with it sending, and what its `loc` added, per 1,000 devices
 * (PostgreSQL's part of that follows the nodes' commits more than the devices: docs/performance.md).
 */
export function sizing(quiet: LoadWindow, busy: LoadWindow, devices: number, locPerS: number) {
  const figures = (w: LoadWindow) => ({
    postgresCpuPct: w.postgres.cpuPct,
    postgresCommitsPerS: w.postgres.commitsPerS,
    redisCpuPct: w.redis.cpuPct,
    redisCommandsPerS: w.redis.commandsPerS,
    haproxyCpuPct: w.haproxy.cpuPct,
  })
  const fixed = figures(quiet)
  const all = figures(busy)
  const k = 1000 / Math.max(1, devices)
  const added = Object.fromEntries(
    Object.entries(all).map(([key, v]) => [key, round((v - fixed[key as keyof typeof fixed]) * k, 2)]),
  )
  return {
    fixed,
    sending: all,
    per1000DevicesSending: added,
    locPerDevicePerS: round(locPerS / Math.max(1, devices), 2),
  }
}
