import { LANES } from '../../gateway/cluster/lanes.ts'
import { type BenchGateway, startGateway } from '../suite/gateway.ts'
import { procRss } from '../suite/servers.ts'
import { type BenchHaproxy, startBenchHaproxy } from './haproxy.ts'

/** One gateway process of a benchmark cluster. */
export interface BenchNode extends BenchGateway {
  name: string
  pid: number
  /** SIGKILL, as a power cut or an OOM kill; resolves once the process is gone. */
  kill(): Promise<void>
  health(): Promise<NodeHealth>
  rss(): Promise<number>
}

export interface NodeHealth {
  broker: { connections: number }
  cluster?: { node: string; nodes: number; lanes: number }
}

export interface BenchCluster {
  nodes: BenchNode[]
  /** HAProxy in front of the nodes' MQTT ports, when asked for. */
  proxy: BenchHaproxy | undefined
  mqttUrl: string
  stop(): Promise<void>
}

export interface ClusterOptions {
  names: readonly string[]
  databaseUrl: string
  redisUrl: string
  token: string
  /** More settings for every node (the lease, the offer timeout). */
  env?: Record<string, string>
  /** HAProxy in front, retrying a refused connection on another node or (`redispatch: false`) the same. */
  proxy?: { redispatch: boolean }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * `gateway/main.ts` processes in cluster mode over one PostgreSQL database and one Redis, started
 * one after the other (the first migrates the database); resolves once every node sees them all
 * and the lanes are shared out.
 */
export async function startCluster(o: ClusterOptions): Promise<BenchCluster> {
  const nodes: BenchNode[] = []
  let proxy: BenchHaproxy | undefined
  try {
    for (const name of o.names) {
      const gw = await startGateway({
        token: o.token,
        env: {
          CARE_DATABASE_URL: o.databaseUrl,
          CARE_REDIS_URL: o.redisUrl,
          CARE_NODE_ID: name,
          ...o.env,
        },
      })
      nodes.push(benchNode(gw, name))
    }
    await settled(nodes)
    if (o.proxy) {
      const ports = nodes.map((n) => Number(new URL(n.child.mqttUrl).port))
      proxy = await startBenchHaproxy(ports, o.proxy.redispatch)
    }
  } catch (error) {
    for (const n of nodes) await n.child.stop()
    throw error
  }
  return {
    nodes,
    proxy,
    mqttUrl: proxy ? `mqtt://127.0.0.1:${proxy.port}` : (nodes[0]?.child.mqttUrl ?? ''),
    async stop() {
      await proxy?.stop()
      for (const n of nodes) await n.child.stop()
    },
  }
}

/** A gateway process seen as a node (a single process too, for the same figures beside). */
export function benchNode(gw: BenchGateway, name: string): BenchNode {
  return {
    ...gw,
    name,
    pid: gw.child.pid,
    async health() {
      const res = await fetch(`${gw.child.httpUrl}/api/v1/health`, {
        headers: { authorization: `Bearer ${gw.token}` },
      })
      return (await res.json()) as NodeHealth
    },
    rss: () => procRss(gw.child.pid),
    async kill() {
      process.kill(gw.child.pid, 'SIGKILL')
      await gw.child.stop()
    },
  }
}

/** Every node counts them all, and the lanes are held once each. */
async function settled(nodes: readonly BenchNode[]): Promise<void> {
  const until = Date.now() + 30_000
  for (;;) {
    const all = await Promise.all(nodes.map((n) => n.health()))
    const lanes = all.reduce((sum, h) => sum + (h.cluster?.lanes ?? 0), 0)
    if (all.every((h) => h.cluster?.nodes === nodes.length) && lanes === LANES) return
    if (Date.now() > until)
      throw new Error(`cluster not settled: ${JSON.stringify(all.map((h) => h.cluster))}`)
    await sleep(100)
  }
}
