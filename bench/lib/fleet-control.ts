import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { NODE } from '../suite/servers.ts'

/** What a fleet process (fleet.ts) reports. */
export interface FleetReport {
  devices: number
  up: number
  attempts: number
  refused: number
  drops: number
  sent: number
  blocked: number
  /**
   * [dropped at, back at (0: still away), when its last attempt began], wall-clock ms, for each
   * device dropped since the mark.
   */
  episodes: [number, number, number][]
}

/** A fleet.ts process, driven over its stdin. */
export interface Fleet {
  pid: number
  /** Once every device connected (or gave up its first two minutes). */
  connected: Promise<{ connected: number; failed: number }>
  rate(perS: number): Promise<void>
  mark(): Promise<void>
  report(): Promise<FleetReport>
  quit(): Promise<FleetReport>
}

const SCRIPT = join(import.meta.dirname, 'fleet.ts')

export function startFleet(
  url: string,
  prefix: string,
  from: number,
  count: number,
  reconnectMs: number,
): Fleet {
  const child = spawn(NODE, [SCRIPT, url, prefix, String(from), String(count), String(reconnectMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let buffer = ''
  const waiting: ((line: string) => void)[] = []
  let onConnected: ((v: { connected: number; failed: number }) => void) | undefined
  const connected = new Promise<{ connected: number; failed: number }>((resolve, reject) => {
    onConnected = resolve
    child.once('exit', (code) => reject(new Error(`fleet ${prefix} exited ${code} before connecting`)))
  })
  connected.catch(() => undefined)
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString()
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      const m = /^connected (\d+) failed (\d+)/.exec(line)
      if (m) onConnected?.({ connected: Number(m[1]), failed: Number(m[2]) })
      else if (line.startsWith('{')) waiting.shift()?.(line)
    }
  })
  const ask = <T>(command: string) =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`fleet ${prefix} has exited`))
      waiting.push((line) => resolve(JSON.parse(line) as T))
      child.stdin?.write(`${command}\n`)
    })
  return {
    pid: child.pid ?? 0,
    connected,
    rate: (perS) => ask(`rate ${perS}`),
    mark: () => ask('mark'),
    report: () => ask<FleetReport>('report'),
    async quit() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const final = await ask<FleetReport>('quit')
      await exited
      return final
    },
  }
}
