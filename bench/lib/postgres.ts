import { type ChildProcess, execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { postgresBin } from '../../tests/support/servers.ts'
import { freePort } from '../../tests/support/tsdb.ts'
import { spawnLimited } from '../suite/servers.ts'

/**
 * PostgreSQL for the cluster benchmark: Debian's binaries in a temporary directory on a free
 * loopback port, with the server's own durability defaults (fsync and synchronous commit on, as a
 * deployment keeps them; the test servers turn fsync off). Databases are made from a provisioned
 * template, so each phase of the benchmark starts from the same registry without importing again.
 */
export interface BenchPostgres {
  port: number
  /** The postmaster's process id; its children are the backends. */
  pid: number
  /** A new database, empty or copied from `template`; its URL. */
  database(name: string, template?: string): Promise<string>
  /** Transactions committed in `database` so far (pg_stat_database; a backend reports within a second). */
  commits(database: string): Promise<number>
  /** CPU time of the server, every process of it (the exited ones through the postmaster's account), ms. */
  cpuMs(): number
  stop(): Promise<void>
}

/** As root, PostgreSQL runs as Debian's `postgres` user (it refuses to run as root). */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
  return { uid: id('-u'), gid: id('-g') }
}

/** user + system ticks of a process, its own and (with `children`) those of the children it reaped. */
function ticks(pid: number, children: boolean): { ticks: number; parent: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const own = Number(fields[11]) + Number(fields[12])
  const reaped = children ? Number(fields[13]) + Number(fields[14]) : 0
  return { ticks: own + reaped, parent: Number(fields[1]) }
}

/** CPU of `root` and of its live children, plus what its exited children used (USER_HZ is 100). */
export function treeCpuMs(root: number): number {
  let sum = ticks(root, true).ticks
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === root) continue
    try {
      const t = ticks(Number(entry), false)
      if (t.parent === root) sum += t.ticks
    } catch {
      // gone meanwhile: counted in the parent's account once reaped
    }
  }
  return sum * 10
}

async function waitForLogin(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const until = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${output()}`)
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      return
    } catch (error) {
      await client.end().catch(() => undefined)
      if (Date.now() > until) throw error
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** `settings`: more `name=value` server settings (a profiling run's `shared_preload_libraries`). */
export async function startBenchPostgres(settings: readonly string[] = []): Promise<BenchPostgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('postgresql not installed')
  const owner = unprivileged()
  const dir = mkdtempSync(join(tmpdir(), 'care-bench-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'care', '--auth=trust', '--locale=C', '-E', 'UTF8'], {
    stdio: 'ignore',
    ...(owner ?? {}),
  })
  const port = await freePort()
  // started like the suite's other servers, so it is ended if the benchmark ends early
  const child = spawnLimited(
    join(bin, 'postgres'),
    [
      ...['-D', data, '-p', String(port), '-k', dir],
      ...['listen_addresses=127.0.0.1', 'max_connections=300', 'shared_buffers=256MB', ...settings].flatMap(
        (s) => ['-c', s],
      ),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) },
  )
  let text = ''
  const keep = (d: Buffer) => {
    text = (text + d.toString()).slice(-4_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const base = `postgres://care@127.0.0.1:${port}`
  await waitForLogin(`${base}/postgres`, child, () => text)
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: `${base}/postgres` })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    port,
    pid: child.pid ?? 0,
    async database(name, template = 'template0') {
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
      return `${base}/${name}`
    },
    async commits(database) {
      const r = await admin((c) =>
        c.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [
          database,
        ]),
      )
      return Number(r.rows[0]?.n ?? 0)
    },
    cpuMs: () => treeCpuMs(child.pid ?? 0),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        // fast shutdown: the benchmark's data is thrown away
        child.kill('SIGINT')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
