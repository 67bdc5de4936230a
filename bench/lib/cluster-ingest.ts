import { type IngestResult, type IngestStep, stepIngest } from '../suite/ingest.ts'
import { procCpuMs } from '../suite/servers.ts'
import { round } from '../suite/stats.ts'
import type { SharedServers } from './cluster-load.ts'
import { startCluster } from './nodes.ts'

export interface ClusterIngestOptions {
  nodes: 1 | 2
  servers: SharedServers
  databaseUrl: string
  redisUrl: string
  token: string
  /** Devices `CF0…` sending; `CF{devices}` is the QoS 1 probe. */
  devices: number
  rates: readonly number[]
  stepS: number
}

/**
 * The suite's stepped `loc` ingest (bench/suite/ingest.ts: QoS 0 load, a QoS 1 probe bound at
 * 25 ms) against one or two cluster nodes, both behind HAProxy so the two runs take the same path.
 * Each step also reports what each node stored, its CPU, and the shared servers' load.
 */
export async function clusterIngest(o: ClusterIngestOptions): Promise<IngestResult> {
  const names = o.nodes === 1 ? ['node-a'] : ['node-a', 'node-b']
  const cluster = await startCluster({
    names,
    databaseUrl: o.databaseUrl,
    redisUrl: o.redisUrl,
    token: o.token,
    proxy: { redispatch: true },
  })
  const { nodes } = cluster
  const metric = async (name: string) => {
    const values = await Promise.all(nodes.map(async (n) => (await n.metrics()).get(name) ?? 0))
    return values.reduce((a, b) => a + b, 0)
  }
  try {
    return await stepIngest(
      {
        mqttUrl: cluster.mqttUrl,
        pid: nodes[0]?.pid ?? 0,
        stored: () => metric('care_positions_stored_total'),
        throttled: () => metric('care_mqtt_throttled_total'),
        prefix: 'CF',
        from: 0,
        devices: o.devices,
        anonymous: false,
        probeId: `CF${o.devices}`,
        others: Object.fromEntries(nodes.slice(1).map((n) => [n.name, n.pid])),
        async counters() {
          const stored = await Promise.all(
            nodes.map(async (n) => [
              `stored:${n.name}`,
              (await n.metrics()).get('care_positions_stored_total') ?? 0,
            ]),
          )
          const redis = await o.servers.redis.sample()
          return {
            ...Object.fromEntries(stored),
            postgresCpuMs: o.servers.pg.cpuMs(),
            postgresCommits: await o.servers.pg.commits(o.servers.database),
            redisCpuMs: redis.cpuMs,
            haproxyCpuMs: cluster.proxy ? await procCpuMs(cluster.proxy.pid) : 0,
            redisCommands: redis.commands,
          }
        },
      },
      { rates: o.rates, stepS: o.stepS, warmS: 2, processes: 2, latencyBoundMs: 25 },
    )
  } finally {
    await cluster.stop()
  }
}

/**
 * CPU per 1,000 `loc` at one step: of each node (counting the cluster's whole rate, and only what
 * the node stored itself), and of PostgreSQL and Redis; Redis commands and database commits per `loc`.
 */
export function costAt(step: IngestStep, nodeNames: readonly string[]) {
  const perS = step.perS ?? {}
  const rate = Math.max(1, step.storedPerS)
  const perThousand = (cpuMsPerS: number, locPerS: number) =>
    round((cpuMsPerS / Math.max(1, locPerS)) * 1000, 1)
  const nodes = nodeNames.map((name, i) => {
    const cpuMsPerS = (step.cpuPct[i === 0 ? 'target' : name] ?? 0) * 10
    const own = perS[`stored:${name}`] ?? 0
    return {
      node: name,
      cpuPct: cpuMsPerS / 10,
      storedPerS: own,
      cpuMsPer1000Own: perThousand(cpuMsPerS, own),
      cpuMsPer1000Cluster: perThousand(cpuMsPerS, rate),
    }
  })
  const server = (cpuMsPerS = 0) => ({
    cpuPct: round(cpuMsPerS / 10, 1),
    cpuMsPer1000: perThousand(cpuMsPerS, rate),
  })
  return {
    offeredPerS: step.offeredPerS,
    storedPerS: step.storedPerS,
    nodes,
    postgres: server(perS.postgresCpuMs),
    redis: server(perS.redisCpuMs),
    haproxy: server(perS.haproxyCpuMs),
    redisCommandsPerLoc: round((perS.redisCommands ?? 0) / rate, 2),
    commitsPerS: perS.postgresCommits ?? 0,
  }
}

/** CPU per 1,000 `loc` on one node and on two, at the highest step both kept; the cost split in two. */
export function ingestCost(one: IngestResult, two: IngestResult) {
  const kept = (r: IngestResult) => r.steps.filter((s) => s.offered && s.kept).map((s) => s.offeredPerS)
  const common = kept(one).filter((rate) => kept(two).includes(rate))
  const rate = Math.max(0, ...common)
  const stepOne = one.steps.find((s) => s.offeredPerS === rate)
  const stepTwo = two.steps.find((s) => s.offeredPerS === rate)
  if (!stepOne || !stepTwo) return undefined
  const c1 = costAt(stepOne, ['node-a'])
  const c2 = costAt(stepTwo, ['node-a', 'node-b'])
  // Node CPU = own × (its own rate) + share × (the cluster's rate): one node pays own + share per
  // 1,000, two together own + 2 × share. A share above zero is what a node pays for the others'
  // `loc` (routed to it through Redis, or waiting behind them on the shared database).
  const single = c1.nodes[0]?.cpuMsPer1000Cluster ?? 0
  const both = c2.nodes.reduce((sum, n) => sum + n.cpuMsPer1000Cluster, 0)
  return {
    atRate: rate,
    oneNode: c1,
    twoNodes: c2,
    split: { ownMsPer1000: round(2 * single - both, 1), perNodeMsPer1000OfCluster: round(both - single, 1) },
  }
}
