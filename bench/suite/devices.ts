/**
 * Background devices, in their own process: connects `count` devices
 * (`{prefix}{i}`, password `secret-{id}`), prints `connected N`, then sends
 * `loc` at `ratePerS` in total (spread over the devices) for `seconds`.
 * argv: mqttUrl prefix from count ratePerS seconds. Prints one JSON line.
 */
import mqtt, { type MqttClient } from 'mqtt'

const [url = '', prefix = 'D', from = '0', count = '100', ratePerS = '0', seconds = '10'] =
  process.argv.slice(2)
const n = Number(count)
const clients: MqttClient[] = []
const ids: string[] = []

function connect(id: string): Promise<MqttClient> {
  const c = mqtt.connect(url, {
    username: id,
    password: `secret-${id}`,
    clientId: id,
    reconnectPeriod: 0,
    keepalive: 600,
  })
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

let failed = 0
for (let i = 0; i < n; i += 200) {
  const batch = []
  for (let k = i; k < Math.min(n, i + 200); k++) {
    const id = `${prefix}${Number(from) + k}`
    batch.push(
      connect(id).then(
        (c) => {
          clients.push(c)
          ids.push(id)
        },
        () => {
          failed++
        },
      ),
    )
  }
  await Promise.all(batch)
}
process.stdout.write(`connected ${clients.length}\n`)
const rate = Number(ratePerS)
let sent = 0
let next = 0
const t0 = performance.now()
let until = t0 + Number(seconds) * 1000
process.once('SIGTERM', () => {
  until = 0
})
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now()
    if (now >= until) return resolve()
    const due = Math.floor(((now - t0) / 1000) * rate) - sent
    for (let k = 0; k < due && clients.length > 0; k++) {
      const c = clients[next % clients.length] as MqttClient
      const id = ids[next % clients.length] as string
      next++
      const loc = {
        ts: Date.now(),
        lat: 37.77 + (next % 100) * 1e-4,
        lon: 117.62 + (next % 77) * 1e-4,
        acc: 15,
      }
      c.publish(`care/v1/dev/${id}/loc`, JSON.stringify(loc), { qos: 0 })
      sent++
    }
    setTimeout(tick, 10)
  }
  tick()
})
const elapsedS = (performance.now() - t0) / 1000
process.stdout.write(
  `${JSON.stringify({ connected: clients.length, failed, sent, offeredPerS: Math.round(sent / elapsedS) })}\n`,
)
await Promise.all(clients.map((c) => c.endAsync(true)))
process.exit(0)
