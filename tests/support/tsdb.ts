import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { underCi } from './ci.ts'

/**
 * Time-series servers from Debian, started by the
 * tests on 127.0.0.1 with free ports and temporary data directories.
 */

export const VICTORIA = '/usr/bin/victoria-metrics'
export const INFLUXD = '/usr/bin/influxd'

/**
 * `undefined` when the server is installed. Under CI a missing server
 * fails the test (never a silent skip); elsewhere the caller may skip with this reason.
 */
export function missingServer(bin: string): string | undefined {
  if (existsSync(bin)) return undefined
  const reason = `${bin} not installed (run scripts/setup-test-servers.sh)`
  if (underCi()) throw new Error(`CI=${process.env.CI}: ${reason}`)
  return reason
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}

async function waitReady(url: string, child: ChildProcess, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let output = ''
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-2000)
  })
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output}`)
    try {
      const res = await fetch(url)
      if (res.status < 500) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms: ${output}`)
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  await exited
}

export interface Victoria {
  url: string
  port: number
  dataDir: string
  /** SIGKILL: nothing flushed politely (VictoriaMetrics may lose what it acknowledged last). */
  kill(): Promise<void>
  /** SIGTERM: the process ends and its port refuses connections; data acknowledged stays on disk. */
  halt(): Promise<void>
  /** Start again on the same port and data directory. */
  restart(): Promise<void>
  /** Make everything ingested so far visible to export. */
  flush(): Promise<void>
  /** Every sample of the series matching `match` (a series selector). */
  exportSeries(match: string): Promise<ExportedSeries[]>
  stop(): Promise<void>
}

export interface ExportedSeries {
  metric: Record<string, string>
  values: number[]
  timestamps: number[]
}

export async function startVictoria(): Promise<Victoria> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'care-vm-'))
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess
  const launch = async () => {
    child = spawn(
      VICTORIA,
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${dataDir}`,
        // the test clock lives in January 2026: keep every sample, however old
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    await waitReady(`${url}/health`, child, 'victoria-metrics')
  }
  await launch()
  return {
    url,
    port,
    dataDir,
    kill: () => end(child, 'SIGKILL'),
    halt: () => end(child, 'SIGTERM'),
    restart: launch,
    async flush() {
      await fetch(`${url}/internal/force_flush`)
    },
    async exportSeries(match) {
      const res = await fetch(`${url}/api/v1/export`, {
        method: 'POST',
        body: new URLSearchParams({ 'match[]': match, start: '0' }),
      })
      if (!res.ok) throw new Error(`export ${res.status}: ${await res.text()}`)
      const text = await res.text()
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ExportedSeries)
    },
    async stop() {
      await end(child, 'SIGTERM')
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface Influx1 {
  url: string
  /** POST line protocol (ms precision) to `/write?db=`. */
  write(db: string, lines: string): Promise<void>
  /** Run one InfluxQL statement; the raw `/query` answer. */
  query(db: string, q: string): Promise<InfluxAnswer>
  stop(): Promise<void>
}

export interface InfluxAnswer {
  results: {
    error?: string
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]
  }[]
  error?: string
}

/** InfluxDB 1.6 (`influxd`), with its own config file: meta, data and WAL under a temp dir. */
export async function startInflux1(): Promise<Influx1> {
  const [httpPort, rpcPort] = [await freePort(), await freePort()]
  const dir = mkdtempSync(join(tmpdir(), 'care-influx-'))
  const config = join(dir, 'influxdb.conf')
  writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  )
  const child = spawn(INFLUXD, ['-config', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  const url = `http://127.0.0.1:${httpPort}`
  await waitReady(`${url}/ping`, child, 'influxd')
  const query = async (db: string, q: string): Promise<InfluxAnswer> => {
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ db, q, epoch: 'ms' }),
    })
    return (await res.json()) as InfluxAnswer
  }
  return {
    url,
    query,
    async write(db, lines) {
      await query(db, `CREATE DATABASE "${db}"`)
      const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ms`, {
        method: 'POST',
        body: lines,
      })
      if (res.status !== 204) throw new Error(`influx write ${res.status}: ${await res.text()}`)
    },
    async stop() {
      await end(child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
