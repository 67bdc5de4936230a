/**
 * SOS latency through the whole gateway over loopback, no background load:
 * device PUBLISH → the device receives `received`, and → a carer receives
 * the offer. Prints one JSON line. (The loaded variant with 10,000 devices
 * lives with the full benchmark suite.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { App } from '../gateway/app.ts'
import { loadConfig } from '../gateway/config.ts'

const SOS = Number(process.env.BENCH_SOS ?? 1000)
const CARERS = 50
const TOKEN = 'bench-admin-token-0123456789'
const HOME = { lat: 37.3835, lon: 117.9707 }

function near(i: number, spreadM: number): { lat: number; lon: number } {
  const angle = (i * 137.5 * Math.PI) / 180
  const r = spreadM * Math.sqrt((i % 97) / 97)
  return { lat: HOME.lat + (r * Math.cos(angle)) / 111_320, lon: HOME.lon + (r * Math.sin(angle)) / 88_400 }
}

function connect(url: string, id: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username: id, password: `secret-${id}`, reconnectPeriod: 0 })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-'))
  const config = loadConfig({
    env: {
      CARE_HTTP_PORT: '0',
      CARE_MQTT_PORT: '0',
      CARE_DATA_DIR: dataDir,
      CARE_ADMIN_TOKEN: TOKEN,
      CARE_LOG_LEVEL: 'silent',
      CARE_FLOWS: 'off',
    },
    file: join(dataDir, 'none.json'),
  })
  const app = new App({ config })
  const t0 = performance.now()
  const report = await app.start()
  const bootMs = performance.now() - t0
  const url = `mqtt://127.0.0.1:${app.surface.ports.mqtt}`
  const put = async (path: string, body: unknown) => {
    const res = await app.surface.inject({
      method: 'PUT',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: body as Record<string, unknown>,
    })
    if (res.statusCode >= 300) throw new Error(`${path}: ${res.body}`)
  }

  const offers = new Map<string, number>()
  const carers: MqttClient[] = []
  for (let i = 0; i < CARERS; i++) {
    const id = `C${String(i).padStart(4, '0')}`
    const at = near(i, 3_000)
    await put(`/carers/${id}`, { name: `护理员${i}`, mode: 'ebike', secret: `secret-${id}`, base: at })
    const c = await connect(url, id)
    await c.subscribeAsync(`care/v1/carer/${id}/task`, { qos: 1 })
    await c.publishAsync(`care/v1/carer/${id}/duty`, JSON.stringify({ status: 'on' }), { qos: 1 })
    c.on('message', (_t, payload) => {
      const m = JSON.parse(payload.toString()) as { action: string; alarmId: string }
      if (m.action === 'offer' && !offers.has(m.alarmId)) offers.set(m.alarmId, performance.now())
    })
    carers.push(c)
  }

  const toReceived: number[] = []
  const toOffer: number[] = []
  const devices: MqttClient[] = []
  for (let i = 0; i < SOS; i++) {
    const id = `D${String(i).padStart(5, '0')}`
    await put(`/elders/E${id}`, { name: `老人${i}`, home: near(i, 2_500) })
    await put(`/devices/${id}`, { kind: 'terminal', elderId: `E${id}`, secret: `secret-${id}` })
    const d = await connect(url, id)
    await d.subscribeAsync(`care/v1/dev/${id}/notify`, { qos: 1 })
    const received = new Promise<{ alarmId: string; at: number }>((resolve) => {
      d.on('message', (_t, payload) => {
        const m = JSON.parse(payload.toString()) as { state: string; alarmId: string }
        if (m.state === 'received') resolve({ alarmId: m.alarmId, at: performance.now() })
      })
    })
    const sent = performance.now()
    await d.publishAsync(`care/v1/dev/${id}/sos`, JSON.stringify({ id: 'b1', ts: Date.now() }), { qos: 1 })
    const got = await received
    toReceived.push(got.at - sent)
    const deadline = performance.now() + 2_000
    while (!offers.has(got.alarmId) && performance.now() < deadline) await new Promise((r) => setImmediate(r))
    const offeredAt = offers.get(got.alarmId)
    if (offeredAt !== undefined) toOffer.push(offeredAt - sent)
    devices.push(d)
  }

  const r = [...toReceived].sort((a, b) => a - b)
  const o = [...toOffer].sort((a, b) => a - b)
  const round = (n: number) => Math.round(n * 100) / 100
  process.stdout.write(
    `${JSON.stringify({
      bench: 'sos-latency',
      node: process.version,
      sos: SOS,
      carers: CARERS,
      bootMs: round(bootMs),
      restoredAlarms: report.restoredAlarms,
      receivedMs: { p50: round(percentile(r, 50)), p99: round(percentile(r, 99)), max: round(r.at(-1) ?? 0) },
      offerMs: { p50: round(percentile(o, 50)), p99: round(percentile(o, 99)), max: round(o.at(-1) ?? 0) },
      offers: o.length,
    })}\n`,
  )
  await Promise.all([...carers, ...devices].map((c) => c.endAsync(true)))
  await app.stop()
  rmSync(dataDir, { recursive: true, force: true })
}

await main()
