import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ImportCounts, type ImportType, importRows } from '../../simulator/provision.ts'
import { NODE, spawnLimited } from './servers.ts'

/** BENCH_GATEWAY_MAIN runs another checkout's gateway (to compare two versions under the same load). */
const MAIN = process.env.BENCH_GATEWAY_MAIN ?? join(import.meta.dirname, '..', '..', 'gateway', 'main.ts')

/** `gateway/main.ts` in its own process, open-files limit raised (servers.ts), on ephemeral loopback ports. */
export interface GatewayProcess {
  pid: number
  httpUrl: string
  mqttUrl: string
  output(): string
  /** SIGTERM, then wait for the exit (the gateway stops cleanly and writes its probes' files). */
  stop(): Promise<void>
}

export interface GatewayOptions {
  dataDir?: string
  env?: Record<string, string>
  /** Extra arguments to node before the script (`--cpu-prof`, `--import …`). */
  nodeArgs?: string[]
  /** The admin token (the nodes of a cluster share one); default a new random one. */
  token?: string
}

export async function spawnBenchGateway(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<GatewayProcess> {
  const child = spawnLimited(NODE, [...nodeArgs, MAIN], {
    env: { ...process.env, CARE_HTTP_PORT: '0', CARE_MQTT_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const keep = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      out += `\n[gateway exited: code ${code}, signal ${signal}]\n`
      resolve()
    }),
  )
  const urls = await new Promise<{ http: string; mqtt: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), timeoutMs)
    const check = () => {
      const http = /HTTP API\s+(http:\/\/[^\s]+)\/api\/v1/.exec(out)?.[1]
      const mqtt = /MQTT\s+(mqtt:\/\/[^\s]+)/.exec(out)?.[1]
      if (http && mqtt) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        resolve({ http, mqtt })
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${out}`))
    })
  })
  return {
    pid: child.pid ?? 0,
    httpUrl: urls.http,
    mqttUrl: urls.mqtt,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** The whole gateway as its own process, and bulk provisioning against it. */
export interface BenchGateway {
  child: GatewayProcess
  token: string
  /** `GET /api/v1/metrics` parsed into `series → value`. */
  metrics(): Promise<Map<string, number>>
  /** `POST /api/v1/import` in chunks, elders before devices; throws if any row is rejected. */
  provision(records: Records, chunk?: number): Promise<ImportCounts>
}

export type Row = Record<string, unknown>
export type Records = Partial<Record<ImportType, Row[]>>

export async function startGateway(options: GatewayOptions = {}): Promise<BenchGateway> {
  const token = options.token ?? `bench-${randomBytes(12).toString('hex')}`
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'care-bench-'))
  const child = await spawnBenchGateway(
    {
      CARE_ADMIN_TOKEN: token,
      CARE_DATA_DIR: dataDir,
      CARE_FLOWS: 'off',
      CARE_LOG_LEVEL: 'silent',
      ...options.env,
    },
    options.nodeArgs,
  )
  return {
    child,
    token,
    async metrics() {
      const res = await fetch(`${child.httpUrl}/api/v1/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      })
      if (!res.ok) throw new Error(`GET /metrics: ${res.status}`)
      const out = new Map<string, number>()
      for (const line of (await res.text()).split('\n')) {
        const at = line.lastIndexOf(' ')
        if (at > 0) out.set(line.slice(0, at), Number(line.slice(at + 1)))
      }
      return out
    },
    async provision(records, chunk = 2_000) {
      const total: ImportCounts = { requests: 0, total: 0, created: 0, updated: 0, rejected: 0 }
      for (const type of ['elders', 'devices', 'carers'] as const) {
        const rows = records[type]
        if (!rows?.length) continue
        const c = await importRows(child.httpUrl, token, type, rows, chunk)
        for (const k of Object.keys(total) as (keyof ImportCounts)[]) total[k] += c[k]
      }
      return total
    },
  }
}

/** Merges record sets of the same kinds. */
export function records(...sets: Records[]): Records {
  const out: Records = {}
  for (const set of sets) {
    for (const [type, rows] of Object.entries(set) as [ImportType, Row[]][]) {
      out[type] = [...(out[type] ?? []), ...rows]
    }
  }
  return out
}

/**
 * Elders `E{prefix}{i}` spread around the county seat, each with a watch `{prefix}{i}` (secret
 * `secret-{id}`). The watches declare a one-hour report interval: the silence watch (3 × the
 * interval) stays quiet for the whole run, even for devices that connect late or never send.
 */
export function deviceRecords(prefix: string, count: number, intervalS = 3_600): Records {
  const elders: Row[] = []
  const devices: Row[] = []
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${i}`
    const home = {
      lat: 37.77 + ((i % 100) - 50) * 3e-4,
      lon: 117.62 + ((Math.floor(i / 100) % 100) - 50) * 3e-4,
    }
    elders.push({ id: `E${id}`, name: `老人${i}`, home })
    devices.push({ id, kind: 'watch', elderId: `E${id}`, secret: `secret-${id}`, intervalS })
  }
  return { elders, devices }
}

export function carerRecords(prefix: string, count: number): Records {
  return {
    carers: Array.from({ length: count }, (_, i): Row => {
      const base = { lat: 37.77 + ((i % 10) - 5) * 2e-3, lon: 117.62 + (Math.floor(i / 10) - 2) * 2e-3 }
      const id = `${prefix}${i}`
      return { id, name: `护理员${i}`, mode: 'ebike', secret: `secret-${id}`, base }
    }),
  }
}
