import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simulate } from '../simulator/main.ts'
import { provisionUsers } from '../simulator/provision.ts'
import { spawnGateway } from '../tests/support/child.ts'

const say = (line: string) => process.stdout.write(`${line}\n`)

/**
 * `npm run demo [-- --speed 120 --elders 500]`: the gateway as a child
 * process (`gateway/main.ts`), a living Wudi County district against it
 * (imported through `POST /api/v1/import`), and web logins to watch it with.
 * Data goes to a fresh directory unless CARE_DATA_DIR is set.
 */
const token = process.env.CARE_ADMIN_TOKEN ?? `demo-${randomBytes(12).toString('hex')}`
const dataDir = process.env.CARE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'care-demo-'))
const gateway = await spawnGateway({
  CARE_ADMIN_TOKEN: token,
  CARE_DATA_DIR: dataDir,
  CARE_HTTP_PORT: process.env.CARE_HTTP_PORT ?? '0',
  CARE_MQTT_PORT: process.env.CARE_MQTT_PORT ?? '0',
  // the district's watches speak the "3G" protocol, as the watches a bureau hands out do
  CARE_WATCH_PORT: process.env.CARE_WATCH_PORT ?? '0',
  // the simulated district's carers each sign their phone in, all from this one machine
  CARE_LOGINS_PER_MINUTE: process.env.CARE_LOGINS_PER_MINUTE ?? '1000',
})
const sim = await simulate([
  '--http',
  gateway.httpUrl,
  '--mqtt',
  gateway.mqttUrl,
  ...(gateway.watchUrl ? ['--watch', gateway.watchUrl] : []),
  '--token',
  token,
  ...process.argv.slice(2),
])
const logins = await provisionUsers(sim.district, gateway.httpUrl, token)
const width = Math.max(...logins.map((l) => l.username.length))
say('')
say(`care gateway (pid ${gateway.process.pid}), data in ${dataDir}`)
say(`  board        ${gateway.httpUrl}/login   (log in, then the board is at ${gateway.httpUrl}/)`)
say(`  HTTP API     ${gateway.httpUrl}/api/v1`)
say(`  MQTT         ${gateway.mqttUrl}`)
if (gateway.watchUrl) say(`  Watches      ${gateway.watchUrl}   ("3G" protocol)`)
say(`  API token    ${token}   (Authorization: Bearer ${token})`)
say('  web logins (fresh passwords each run):')
for (const l of logins) {
  const who = l.carerId ? `${l.role}, acts for carer ${l.carerId}` : l.role
  say(`    ${l.username.padEnd(width)}  ${l.password}   (${who})`)
}
say('')
const shutdown = async () => {
  await sim.stop()
  await gateway.stop()
  process.exit(0)
}
process.once('SIGINT', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
