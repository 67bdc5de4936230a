import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type ChildGateway, spawnGateway } from '../tests/support/child.ts'
import { missing, startHaproxy, startPostgres, startRedis } from '../tests/support/servers.ts'

/**
 * `npm run cluster [-- --nodes 3]`: a cluster to try on this machine (docs/cluster.md) — a
 * PostgreSQL and a Redis of its own, N gateway processes, and HAProxy in front of their MQTT and
 * HTTP ports, all on loopback. Everything is kept in a temporary directory and removed at Ctrl-C.
 * Needs the Debian servers `scripts/setup-test-servers.sh` installs.
 */
const { values } = parseArgs({ options: { nodes: { type: 'string', default: '3' } } })
const count = Number(values.nodes)
if (!Number.isInteger(count) || count < 1 || count > 16) throw new Error('--nodes: 1 to 16')
for (const what of ['postgresql', 'redis-server', 'haproxy'] as const) {
  const reason = missing(what)
  if (reason) {
    console.error(reason)
    process.exit(2)
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`)
const token = process.env.CARE_ADMIN_TOKEN ?? `cluster-${randomBytes(12).toString('hex')}`
const root = mkdtempSync(join(tmpdir(), 'care-cluster-'))
say(`starting PostgreSQL and Redis…`)
const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
const databaseUrl = await postgres.database()
const nodes: ChildGateway[] = []
for (let i = 0; i < count; i++) {
  const name = `node-${String.fromCharCode(97 + i)}`
  say(`starting ${name}…`)
  nodes.push(
    await spawnGateway({
      CARE_DATABASE_URL: databaseUrl,
      CARE_REDIS_URL: redis.url,
      CARE_NODE_ID: name,
      CARE_ADMIN_TOKEN: token,
      CARE_DATA_DIR: join(root, name),
      // the notification flows run on one node: on every node they would send each message once per node
      CARE_FLOWS: i === 0 ? 'on' : 'off',
      CARE_LOG_LEVEL: process.env.CARE_LOG_LEVEL ?? 'warn',
    }),
  )
}
const port = (url: string) => Number(new URL(url).port)
const proxy = await startHaproxy(
  nodes.map((n) => port(n.mqttUrl)),
  nodes.map((n) => port(n.httpUrl)),
)

say('')
say(`care cluster up: ${count} nodes over one PostgreSQL and one Redis, behind HAProxy`)
say(`  MQTT          mqtt://127.0.0.1:${proxy.port}   (through HAProxy)`)
say(`  HTTP API      http://127.0.0.1:${proxy.httpPort}/api/v1   (through HAProxy)`)
say(`  Pages         http://127.0.0.1:${proxy.httpPort}/login`)
say(`  admin token   ${token}`)
for (const [i, node] of nodes.entries()) {
  say(
    `  node-${String.fromCharCode(97 + i)}        ${node.httpUrl}   ${node.mqttUrl}   pid ${node.process.pid}`,
  )
}
say(`  PostgreSQL    ${databaseUrl}`)
say(`  Redis         ${redis.url}`)
say('')
say('Kill a node (kill -9 <pid>) to watch its devices reconnect and its deadlines move. Ctrl-C stops all.')

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  say('stopping…')
  await Promise.all(nodes.map((n) => n.stop()))
  await proxy.stop()
  await redis.stop()
  await postgres.stop()
  rmSync(root, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
