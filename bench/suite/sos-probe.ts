/**
 * SOS prober, in its own process: `carers` carers on duty (`P-C{i}`) and
 * `sos` devices (`P-D{from + i}`) pressing SOS one after another; measures device
 * PUBLISH → the first carer receives the offer. argv: mqttUrl sos carers
 * [carerUrls, comma-separated: carers connect there in turn instead, as on the
 * other nodes of a cluster] [from, 0].
 * With no carers it only opens the alarms (to seed a store). BENCH_PROBE_PERSISTENT=1
 * gives the carers persistent sessions, as the carer app keeps (devices keep clean ones).
 * The pressing devices connect before the first press, as the connected devices the
 * measure is about (each connection's secret check is the connection benchmark's
 * cost, not the alarm path's). With BENCH_PROBE_GO=1 the probe then prints `ready`
 * and waits for a `go` line on stdin, so the caller opens its measuring window there. Presses
 * start 10 ms apart (BENCH_PROBE_GAP_MS), or later when the one before took longer.
 * Prints one JSON line, with the wall-clock time of the slowest presses (to
 * set beside the gateway's event-loop stalls and collections).
 */
import mqtt, { type MqttClient } from 'mqtt'
import type { SosPayload, TaskMessage } from '../../kernel/contract/payloads.ts'
import { topics } from '../../kernel/contract/topics.ts'
import { percentile, round } from './stats.ts'

const [url = '', sosCount = '1000', carerCount = '50', carerUrlList = '', fromArg = '0'] =
  process.argv.slice(2)
const carerUrls = carerUrlList === '' ? [url] : carerUrlList.split(',')
const from = Number(fromArg)

const persistent = process.env.BENCH_PROBE_PERSISTENT === '1'
/** From one press's start to the next one's, ms (BENCH_PROBE_GAP_MS). */
const GAP_MS = Number(process.env.BENCH_PROBE_GAP_MS ?? 10)

function connect(id: string, at = url, clean = true): Promise<MqttClient> {
  const c = mqtt.connect(at, {
    username: id,
    password: `secret-${id}`,
    clientId: id,
    reconnectPeriod: 0,
    clean,
  })
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

const offers = new Map<string, number>()
const waiters = new Map<string, () => void>()
const clients: MqttClient[] = []
for (let i = 0; i < Number(carerCount); i++) {
  const id = `P-C${i}`
  const c = await connect(id, carerUrls[i % carerUrls.length], !persistent)
  clients.push(c)
  await c.subscribeAsync(topics.carerTask(id), { qos: 1 })
  await c.publishAsync(topics.carerUplink(id, 'duty'), JSON.stringify({ status: 'on' }), { qos: 1 })
  c.on('message', (_t, payload) => {
    const m = JSON.parse(payload.toString()) as TaskMessage
    if (m.action === 'offer' && !offers.has(m.alarmId)) {
      offers.set(m.alarmId, performance.now())
      waiters.get(m.alarmId)?.()
    }
  })
}
// carers elsewhere in a cluster: the pressing node hears of their duty over the cluster's bus
if (carerUrlList !== '') await new Promise((r) => setTimeout(r, 1_000))
const pressers: MqttClient[] = []
for (let i = 0; i < Number(sosCount); i += 20) {
  const ids = Array.from({ length: Math.min(20, Number(sosCount) - i) }, (_, k) => `P-D${from + i + k}`)
  const batch = await Promise.all(
    ids.map(async (id) => {
      const d = await connect(id)
      await d.subscribeAsync(topics.deviceNotify(id), { qos: 1 })
      return d
    }),
  )
  pressers.push(...batch)
  clients.push(...batch)
}
if (process.env.BENCH_PROBE_GO === '1') {
  process.stdout.write('ready\n')
  await new Promise<void>((resolve) => {
    process.stdin.on('data', (d: Buffer) => {
      if (d.toString().includes('go')) resolve()
    })
  })
  process.stdin.pause()
}
const toOffer: number[] = []
const presses: { at: number; ms: number }[] = []
let missed = 0
/** Presses with no `received` within 10 s (a healthy gateway never lets that happen). */
let noReceipt = 0
const firstAt = Date.now()
const start = performance.now()
for (let i = 0; i < Number(sosCount); i++) {
  // presses start GAP_MS apart (as when each device connected just before its press), unless the
  // one before took longer
  const wait = start + i * GAP_MS - performance.now()
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  const id = `P-D${from + i}`
  const d = pressers[i] as MqttClient
  const alarmId = new Promise<string>((resolve) => {
    d.on('message', (_t, payload) => resolve((JSON.parse(payload.toString()) as { alarmId: string }).alarmId))
  })
  const sos: SosPayload = { id: `p${i}`, ts: Date.now() }
  const sentAt = Date.now()
  const sent = performance.now()
  d.publish(topics.deviceUplink(id, 'sos'), JSON.stringify(sos), { qos: 1 })
  const alarm = await Promise.race([
    alarmId,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
  ])
  if (alarm === undefined) {
    noReceipt++
    continue
  }
  if (Number(carerCount) === 0) continue
  if (!offers.has(alarm)) {
    await Promise.race([
      new Promise<void>((r) => waiters.set(alarm, r)),
      new Promise((r) => setTimeout(r, 2_000)),
    ])
  }
  const at = offers.get(alarm)
  if (at === undefined) missed++
  else {
    toOffer.push(at - sent)
    presses.push({ at: sentAt, ms: round(at - sent) })
  }
}
const lastAt = Date.now()
toOffer.sort((a, b) => a - b)
const slowest = presses.sort((a, b) => b.ms - a.ms).slice(0, 20)
process.stdout.write(
  `${JSON.stringify({
    sos: Number(sosCount),
    offers: toOffer.length,
    missed,
    noReceipt,
    offerMs: {
      p50: round(percentile(toOffer, 50)),
      p99: round(percentile(toOffer, 99)),
      max: round(toOffer.at(-1) ?? 0),
    },
    over25ms: toOffer.filter((ms) => ms > 25).length,
    window: { from: firstAt, to: lastAt },
    slowest,
  })}\n`,
)
await Promise.all(clients.map((c) => c.endAsync(true)))
process.exit(0)
