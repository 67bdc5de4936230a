/**
 * Load generator for a bare relay (Aedes or Mosquitto), in its own process.
 * argv: mqttUrl seconds rttCount. QoS 0: two publishers flood `bench/q0/*`
 * while one subscriber counts what comes back; QoS 1: one message at a time
 * PUBLISH by one client → delivered to another (the device → carer shape). Prints one JSON line.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { percentile, round } from './stats.ts'

const [url = '', seconds = '5', rttCount = '2000'] = process.argv.slice(2)

function connect(id: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId: id, reconnectPeriod: 0 })
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

const sub = await connect('bench-sub')
await sub.subscribeAsync('bench/#', { qos: 0 })
let received = 0
sub.on('message', (topic) => {
  if (topic.startsWith('bench/q0')) received++
})
const pubs = [await connect('bench-pub-1'), await connect('bench-pub-2')]
const payload = JSON.stringify({ ts: Date.now(), lat: 37.3835, lon: 117.9707, acc: 10 })
let sent = 0
let running = true
for (const [i, p] of pubs.entries()) {
  const burst = () => {
    if (!running) return
    for (let k = 0; k < 100; k++) p.publish(`bench/q0/${i}`, payload, { qos: 0 })
    sent += 100
    const stream = (p as unknown as { stream: { writableLength: number } }).stream
    if (stream.writableLength > 1_000_000) setTimeout(burst, 1)
    else setImmediate(burst)
  }
  burst()
}
await new Promise((r) => setTimeout(r, 1_000))
const r0 = received
const t0 = performance.now()
await new Promise((r) => setTimeout(r, Number(seconds) * 1000))
const qos0PerS = ((received - r0) * 1000) / (performance.now() - t0)
running = false
// let the backlog drain before timing round trips
for (let last = -1; last !== received; ) {
  last = received
  await new Promise((r) => setTimeout(r, 300))
}
await sub.endAsync(true)

const rtt: number[] = []
const echo = await connect('bench-rtt')
const listener = await connect('bench-rtt-sub')
await listener.subscribeAsync('rtt/one', { qos: 1 })
let resolveOne: (() => void) | undefined
listener.on('message', () => resolveOne?.())
for (let i = 0; i < Number(rttCount); i++) {
  const got = new Promise<void>((r) => {
    resolveOne = r
  })
  const t = performance.now()
  echo.publish('rtt/one', payload, { qos: 1 })
  await got
  rtt.push(performance.now() - t)
}
rtt.sort((a, b) => a - b)
process.stdout.write(
  `${JSON.stringify({
    qos0PerS: Math.round(qos0PerS),
    qos0Sent: sent,
    qos1RttMs: { p50: round(percentile(rtt, 50), 3), p99: round(percentile(rtt, 99), 3), n: rtt.length },
  })}\n`,
)
await Promise.all([echo, listener, ...pubs].map((c) => c.endAsync(true)))
process.exit(0)
