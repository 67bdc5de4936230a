/**
 * Latency probe for the ingest benchmark, in its own process: one device
 * publishes `loc` at QoS 1 every `everyMs`, one at a time, and times each
 * PUBLISH → PUBACK. The gateway acknowledges a QoS 1 uplink only after its
 * whole ingest path has run (validate, last position, fence check, buffered
 * for the store and the history outbox), so the round trip is the wait of any
 * message queued behind the load. stdin `mark` prints the round trips since
 * the previous mark as one JSON line (and `total`, every acknowledged
 * publish so far) and starts over; `quit` ends.
 * argv: mqttUrl deviceId [everyMs=50] [anon].
 */
import { createInterface } from 'node:readline'
import mqtt from 'mqtt'
import { percentile, round } from './stats.ts'

const [url = '', id = 'PROBE', everyMs = '50', anon = ''] = process.argv.slice(2)
const client = await mqtt.connectAsync(url, {
  clientId: `${id}`,
  ...(anon ? {} : { username: id, password: `secret-${id}` }),
  reconnectPeriod: 0,
  keepalive: 600,
})
let rtts: number[] = []
let total = 0
let running = true
const loop = async () => {
  while (running) {
    const started = performance.now()
    const loc = { ts: Date.now(), lat: 37.7706, lon: 117.6253, acc: 10 }
    await client.publishAsync(`care/v1/dev/${id}/loc`, JSON.stringify(loc), { qos: 1 })
    const rtt = performance.now() - started
    rtts.push(rtt)
    total++
    await new Promise((r) => setTimeout(r, Math.max(0, Number(everyMs) - rtt)))
  }
}
const done = loop()
process.stdout.write('ready\n')
const commands = createInterface({ input: process.stdin })
commands.on('close', () => process.exit(0))
commands.on('line', (line) => {
  const cmd = line.trim()
  if (cmd === 'mark') {
    const sorted = rtts.sort((a, b) => a - b)
    rtts = []
    process.stdout.write(
      `${JSON.stringify({
        n: sorted.length,
        total,
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? Number.NaN),
      })}\n`,
    )
  } else if (cmd === 'quit') {
    running = false
    void done.then(async () => {
      await client.endAsync(true)
      process.exit(0)
    })
  }
})
