import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { NODE } from './servers.ts'

/** Counters of one `devices.ts` process (see there). */
export interface LoadCounters {
  connected: number
  failed: number
  closed: number
  connectS: number
  sent: number
  blocked: number
  backlogBytes: number
}

/** A `devices.ts` process, driven over its stdin. */
export interface LoadProcess {
  pid: number
  /** Resolves once every device has connected or failed. */
  connected: Promise<{ connected: number; failed: number }>
  rate(perS: number): void
  report(): Promise<LoadCounters>
  /** Disconnects the devices; resolves with the final counters. */
  quit(): Promise<LoadCounters>
}

const SCRIPT = join(import.meta.dirname, 'devices.ts')

export function startLoad(
  url: string,
  prefix: string,
  from: number,
  count: number,
  options: { sources?: number; anonymous?: boolean } = {},
): LoadProcess {
  const child: ChildProcess = spawn(
    NODE,
    [
      SCRIPT,
      url,
      prefix,
      String(from),
      String(count),
      String(options.sources ?? 4),
      options.anonymous ? 'anon' : '',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  let buffer = ''
  const lines: ((line: string) => void)[] = []
  let onConnected: ((v: { connected: number; failed: number }) => void) | undefined
  const connected = new Promise<{ connected: number; failed: number }>((resolve, reject) => {
    onConnected = resolve
    child.once('exit', (code) => reject(new Error(`devices.ts ${prefix} exited ${code} before connecting`)))
  })
  connected.catch(() => undefined)
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString()
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      const m = /^connected (\d+) failed (\d+)/.exec(line)
      if (m) onConnected?.({ connected: Number(m[1]), failed: Number(m[2]) })
      else if (line.startsWith('{')) lines.shift()?.(line)
    }
  })
  const ask = (command: string) =>
    new Promise<LoadCounters>((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`devices.ts ${prefix} has exited`))
      lines.push((line) => resolve(JSON.parse(line) as LoadCounters))
      child.stdin?.write(`${command}\n`)
    })
  return {
    pid: child.pid ?? 0,
    connected,
    rate: (perS) => child.stdin?.write(`rate ${perS}\n`),
    report: () => ask('report'),
    async quit() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const final = await ask('quit')
      await exited
      return final
    },
  }
}

/** Several generator processes sharing devices `{prefix}{from}…` equally. */
export function startLoads(
  url: string,
  prefix: string,
  from: number,
  count: number,
  processes: number,
  options: { sources?: number; anonymous?: boolean } = {},
): LoadProcess[] {
  const per = Math.ceil(count / processes)
  const out: LoadProcess[] = []
  for (let p = 0; p < processes; p++) {
    const start = p * per
    const n = Math.min(per, count - start)
    if (n > 0) out.push(startLoad(url, prefix, from + start, n, options))
  }
  return out
}

/** Sums counters of several processes. */
export function sumCounters(all: readonly LoadCounters[]): LoadCounters {
  const sum: LoadCounters = {
    connected: 0,
    failed: 0,
    closed: 0,
    connectS: 0,
    sent: 0,
    blocked: 0,
    backlogBytes: 0,
  }
  for (const c of all) {
    for (const k of Object.keys(sum) as (keyof LoadCounters)[]) {
      sum[k] = k === 'connectS' ? Math.max(sum[k], c[k]) : sum[k] + c[k]
    }
  }
  return sum
}
