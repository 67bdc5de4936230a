import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The baseline relays, each its own process on a free loopback port. */
export interface Relay {
  name: string
  url: string
  pid: number
  /** Resident memory of the relay process, bytes. */
  rss(): Promise<number>
  stop(): Promise<void>
}

export const NODE = process.execPath
const BENCH = join(import.meta.dirname, '..')

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

export async function procRss(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
}

export async function startRawAedes(): Promise<Relay> {
  const child = spawn(NODE, [join(BENCH, 'raw-aedes.ts')], { stdio: ['pipe', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString())
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`raw aedes exited ${code}`)))
  })
  const pid = child.pid ?? 0
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    rss: () => procRss(pid),
    stop: stopper(child),
  }
}

export async function startMosquitto(maxConnections = 30_000): Promise<Relay> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosq-'))
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `max_connections ${maxConnections}`,
      'log_dest none',
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  )
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' })
  const net = await import('node:net')
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const pid = child.pid ?? 0
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    rss: () => procRss(pid),
    stop: stopper(child),
  }
}

/** Runs a bench script in its own process and parses the last JSON line it prints. */
export function runJson<T>(script: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    })
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.once('exit', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1)
      if (code !== 0 || !line) return reject(new Error(`${script} exited ${code}: ${out.slice(-500)}`))
      resolve(JSON.parse(line) as T)
    })
  })
}
