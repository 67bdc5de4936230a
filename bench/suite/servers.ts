import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
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
  /** PUBLISH packets received from clients so far (raw Aedes only). */
  received?(): Promise<number>
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

/**
 * Open files a server may hold: 20,000 connections need more than the usual
 * 1,024 (or 20,000) descriptors. Servers start through `sh` with `ulimit -n`
 * raised to this; without the privilege to raise the hard limit they get the
 * hard limit, and `openFilesLimit` tells what they got.
 */
export const FD_LIMIT = 65_536

/** Servers still running, ended if the bench itself ends early (an error, Ctrl-C). */
const servers = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of servers) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

export function spawnLimited(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const script = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`
  const child = spawn('/bin/sh', ['-c', script, command, ...args], options)
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  return child
}

/** The soft limit on open files of a running process. */
export async function openFilesLimit(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8')
  return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 0)
}

/** CPU time a process (all its threads) has used so far, ms (user + system). */
export async function procCpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks * 10 // USER_HZ is 100 on Linux
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
  const child = spawnLimited(NODE, [join(BENCH, 'raw-aedes.ts')], { stdio: ['pipe', 'pipe', 'inherit'] })
  let buffer = ''
  const counts: ((n: number) => void)[] = []
  let onPort: ((port: number) => void) | undefined
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString()
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      const port = /^port (\d+)/.exec(line)
      if (port) onPort?.(Number(port[1]))
      const count = /^count (\d+)/.exec(line)
      if (count) counts.shift()?.(Number(count[1]))
    }
  })
  const port = await new Promise<number>((resolve, reject) => {
    onPort = resolve
    child.once('exit', (code) => reject(new Error(`raw aedes exited ${code}`)))
  })
  const pid = child.pid ?? 0
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    rss: () => procRss(pid),
    received: () =>
      new Promise<number>((resolve) => {
        counts.push(resolve)
        child.stdin?.write('count\n')
      }),
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
  const child = spawnLimited('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' })
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
export function runJson<T>(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30 * 60_000,
  /** Called when the script prints a `ready` line; the script is told `go` once it settles. */
  onReady?: () => Promise<void>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script, ...args], {
      stdio: [onReady ? 'pipe' : 'ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    let out = ''
    let told = false
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (onReady && !told && /^ready$/m.test(out)) {
        told = true
        void onReady().then(() => child.stdin?.write('go\n'))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
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
