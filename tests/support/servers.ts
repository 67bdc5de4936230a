import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { underCi } from './ci.ts'
import { freePort } from './tsdb.ts'

/**
 * The cluster's servers from Debian — PostgreSQL, Redis, HAProxy — started by the tests on
 * 127.0.0.1 with free ports and temporary directories, never the system services.
 */

/** The newest installed PostgreSQL's binaries (Debian keeps each major version apart). */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin')
}

export const REDIS = '/usr/bin/redis-server'
export const HAPROXY = '/usr/sbin/haproxy'

/** `undefined` when installed; under CI a missing server fails the test, elsewhere the caller may skip. */
export function missing(what: 'postgresql' | 'redis-server' | 'haproxy'): string | undefined {
  const present =
    what === 'postgresql'
      ? postgresBin() !== undefined
      : existsSync(what === 'redis-server' ? REDIS : HAPROXY)
  if (present) return undefined
  const reason = `${what} not installed (run scripts/setup-test-servers.sh)`
  if (underCi()) throw new Error(`CI=${process.env.CI}: ${reason}`)
  return reason
}

/** PostgreSQL refuses to run as root: as root the server runs as Debian's `postgres` user. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

export async function waitPort(
  port: number,
  child: ChildProcess,
  what: string,
  output: () => string,
): Promise<void> {
  const until = Date.now() + 20_000
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 30))
  }
  throw new Error(`${what} not listening on ${port}: ${output()}`)
}

function launch(
  bin: string,
  args: string[],
  options: SpawnOptions,
): { child: ChildProcess; output: () => string } {
  const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const keep = (d: Buffer) => {
    text = (text + d.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => text }
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  await exited
}

export interface Postgres {
  port: number
  /** The server's maintenance database, for creating others. */
  url: string
  /** A new, empty database; its URL. */
  database(): Promise<string>
  /** SIGKILL, as a crashed server. */
  kill(): Promise<void>
  /** A fast shutdown (SIGINT): sessions cut, the port closed, the data kept. */
  halt(): Promise<void>
  /** Start again on the same port and data (after `kill` or `halt`). */
  resume(): Promise<void>
  /** Stop and start again on the same port and data. */
  restart(): Promise<void>
  stop(): Promise<void>
}

let databases = 0

/**
 * A PostgreSQL server of its own: initdb into a temporary directory (trust on loopback only),
 * then the server on a free port. `fsync` is off: the tests kill gateways, not this server, and a
 * test that kills the server restarts it from what it wrote, which fsync does not change.
 */
export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('postgresql not installed')
  const owner = unprivileged()
  const dir = mkdtempSync(join(tmpdir(), 'care-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'care', '--auth=trust', '--locale=C', '-E', 'UTF8', '-N'],
    { stdio: 'ignore', ...(owner ?? {}) },
  )
  const port = await freePort()
  let server: ReturnType<typeof launch> | undefined
  const run = async () => {
    server = launch(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { ...(owner ?? {}) },
    )
    await waitPort(port, server.child, 'postgres', server.output)
    // the port opens before the server accepts logins: wait for one
    const until = Date.now() + 10_000
    for (;;) {
      const client = new pg.Client({ connectionString: `postgres://care@127.0.0.1:${port}/postgres` })
      try {
        await client.connect()
        await client.end()
        return
      } catch (error) {
        await client.end().catch(() => {})
        if (Date.now() > until) throw error
        await new Promise((r) => setTimeout(r, 30))
      }
    }
  }
  await run()
  const url = `postgres://care@127.0.0.1:${port}/postgres`
  return {
    port,
    url,
    async database() {
      const name = `care_${process.pid}_${++databases}`
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE template0`)
      } finally {
        await client.end()
      }
      return `postgres://care@127.0.0.1:${port}/${name}`
    },
    async kill() {
      if (server) await end(server.child, 'SIGKILL')
    },
    async halt() {
      // SIGTERM would wait for every client to leave; SIGINT cuts them, as an outage does
      if (server) await end(server.child, 'SIGINT')
    },
    resume: () => run(),
    async restart() {
      if (server) await end(server.child, 'SIGINT')
      await run()
    },
    async stop() {
      if (server) await end(server.child, 'SIGINT')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface Redis {
  port: number
  url: string
  kill(): Promise<void>
  /** Start again on the same port (after `kill`); it kept nothing. */
  resume(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

/** A Redis server of its own on a free loopback port, keeping nothing on disk. */
export async function startRedis(): Promise<Redis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'care-redis-'))
  let server: ReturnType<typeof launch> | undefined
  const run = async () => {
    server = launch(
      REDIS,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {},
    )
    await waitPort(port, server.child, 'redis-server', server.output)
  }
  await run()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (server) await end(server.child, 'SIGKILL')
    },
    resume: () => run(),
    async restart() {
      if (server) await end(server.child, 'SIGTERM')
      await run()
    },
    async stop() {
      if (server) await end(server.child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface Haproxy {
  /** MQTT through the balancer. */
  port: number
  /** HTTP (the API, the pages, the live stream) through the balancer, when the nodes' HTTP ports were given. */
  httpPort: number | undefined
  stop(): Promise<void>
}

/**
 * HAProxy in TCP mode on free loopback ports, spreading MQTT connections over the nodes' `mqtt`
 * ports (127.0.0.1) and checking each every 200 ms, so a dead node is out of the rotation within a
 * second. Given the nodes' `http` ports too, it also balances HTTP, and checks each node's
 * `GET /api/v1/health` rather than its port: a node that cannot store answers 503 and gets no one.
 */
export async function startHaproxy(mqtt: readonly number[], http?: readonly number[]): Promise<Haproxy> {
  const port = await freePort()
  const httpPort = http ? await freePort() : undefined
  const dir = mkdtempSync(join(tmpdir(), 'care-haproxy-'))
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(config, haproxyConfig({ port, mqtt, http, httpPort, redispatch: true }))
  const server = launch(HAPROXY, ['-db', '-f', config], {})
  await waitPort(port, server.child, 'haproxy', server.output)
  return {
    port,
    httpPort,
    async stop() {
      await end(server.child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The HAProxy configuration: MQTT on `port` over the nodes' `mqtt` ports, checked every 200 ms (their
 * `GET /api/v1/health` when their `http` ports are given, which are then balanced on `httpPort`).
 * `redispatch`: a client sent to a node that just died goes to another at once; without it HAProxy
 * tries the dead node three times, a second apart (its default).
 */
export function haproxyConfig(o: {
  port: number
  mqtt: readonly number[]
  http?: readonly number[] | undefined
  httpPort?: number | undefined
  redispatch: boolean
}): string {
  const { http, httpPort } = o
  const check = (i: number) =>
    http ? `check port ${http[i]} inter 200 fall 2 rise 1` : 'check inter 200 fall 2 rise 1'
  return [
    'global',
    '  maxconn 9000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 10m',
    '  timeout server 10m',
    ...(o.redispatch ? ['  option redispatch 1', '  retries 2'] : []),
    'frontend mqtt',
    `  bind 127.0.0.1:${o.port}`,
    '  default_backend nodes',
    'backend nodes',
    '  balance leastconn',
    ...(http ? ['  option httpchk GET /api/v1/health'] : []),
    ...o.mqtt.map((p, i) => `  server n${i} 127.0.0.1:${p} ${check(i)}`),
    ...(http && httpPort
      ? [
          'frontend http',
          `  bind 127.0.0.1:${httpPort}`,
          '  default_backend web',
          'backend web',
          '  balance roundrobin',
          '  option httpchk GET /api/v1/health',
          ...http.map((p, i) => `  server w${i} 127.0.0.1:${p} check inter 200 fall 2 rise 1`),
        ]
      : []),
    '',
  ].join('\n')
}
