import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'
import { App } from '../gateway/app.ts'
import { loadConfig } from '../gateway/config.ts'
import { InfluxHistory } from '../gateway/history/history.ts'
import { InfluxSink } from '../gateway/history/influx.ts'
import { Outbox } from '../gateway/history/outbox.ts'
import { HistoryWriter } from '../gateway/history/writer.ts'
import { Store } from '../gateway/store/db.ts'
import { SqliteOutbox } from '../gateway/store/sqlite/outbox.ts'
import { SqliteTelemetry } from '../gateway/store/sqlite/telemetry.ts'
import type { PositionRow } from '../gateway/telemetry/ports.ts'
import { TelemetryWriter } from '../gateway/telemetry/positions.ts'
import { createLogger } from '../kernel/observe/log.ts'
import { Metrics } from '../kernel/observe/metrics.ts'
import { systemClock } from '../kernel/ports/clock.ts'
import { TimerScheduler } from '../kernel/ports/scheduler.ts'
import { startVictoria } from '../tests/support/tsdb.ts'
import { seededRandom } from './lib/prng.ts'

/**
 * History (DESIGN: performance targets):
 * 1. drain rate — points/s from an outbox filled with POINTS position lines
 *    to a real VictoriaMetrics over the v2 write API, per batch size;
 * 2. the outbox's cost on `loc` ingest — µs per fix of the telemetry flush
 *    (positions + last fix + history lines in one transaction) with and
 *    without the outbox, over FIXES fixes from DEVICES devices;
 * 3. the same cost through the whole gateway: `loc` msgs/s over MQTT (QoS 0,
 *    CLIENTS devices) stored, embedded versus writing to VictoriaMetrics
 *    (the writer draining at the same time, in the same process).
 * Prints one JSON line.
 */

const POINTS = 200_000
const BATCHES = [5_000, 10_000]
const FIXES = 100_000
const DEVICES = 10_000
const FLUSH_EVERY = 1_250 // 5,000 loc/s flushed every 250 ms
const log = createLogger('silent')
const random = seededRandom(7)

function fixes(): PositionRow[] {
  const t0 = Date.now() - 3_600_000
  return Array.from({ length: FIXES }, (_, i) => ({
    deviceId: `D${String(i % DEVICES).padStart(5, '0')}`,
    ts: t0 + i,
    lat: 37.38 + random() / 10,
    lon: 117.97 + random() / 10,
    acc: 10,
    src: 'gps',
    receivedAt: t0 + i,
  }))
}

async function withStore<T>(fn: (store: Store, metrics: Metrics) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'care-bench-history-'))
  const store = new Store(join(dir, 'care.db'))
  store.open()
  const now = Date.now()
  const insert = store.db.prepare(
    `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
     VALUES (?, 'watch', ?, 'x', 300, ?, ?)`,
  )
  store.tx(() => {
    for (let i = 0; i < DEVICES; i++) insert.run(`D${String(i).padStart(5, '0')}`, `E${i}`, now, now)
  })
  try {
    return await fn(store, new Metrics())
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function history(store: Store, metrics: Metrics, sink: InfluxSink | undefined, batch: number) {
  const outbox = new Outbox(new SqliteOutbox(store), metrics, 10_000_000)
  const scheduler = new TimerScheduler(systemClock, () => undefined)
  const writer = new HistoryWriter({
    outbox,
    sink: sink ?? { write: async () => undefined, close: async () => undefined },
    clock: systemClock,
    scheduler,
    log,
    metrics,
    batch,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
  })
  const h = new InfluxHistory({
    outbox,
    writer,
    clock: systemClock,
    log,
    metrics,
    deviceSubject: (id) => ({
      deviceId: id,
      elderId: `E${id.slice(1)}`,
      grid: ['Haifeng St', 'Dongguan', 'G03'],
    }),
    elderGrid: () => ['Haifeng St', 'Dongguan', 'G03'],
  })
  return { outbox, writer, h, scheduler }
}

/** µs per fix through TelemetryWriter.flush, with or without history lines in the same transaction. */
async function ingestCost(withOutbox: boolean): Promise<number> {
  return withStore(async (store, metrics) => {
    const telemetry = new TelemetryWriter(new SqliteTelemetry(store), log, metrics, 250)
    if (withOutbox) {
      const { h } = history(store, metrics, undefined, 5_000)
      // fill only: the writer is not started, so the cost measured is the outbox insert alone
      telemetry.historyTo(h.telemetry)
    }
    const rows = fixes()
    const t0 = performance.now()
    for (const [i, row] of rows.entries()) {
      void telemetry.position(row)
      if ((i + 1) % FLUSH_EVERY === 0) await telemetry.flush()
    }
    await telemetry.flush()
    return ((performance.now() - t0) * 1000) / rows.length
  })
}

async function drainRate(
  url: string,
  batch: number,
): Promise<{ batch: number; points: number; pointsPerS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'care-bench-drain-'))
  const store = new Store(join(dir, 'care.db'))
  store.open()
  const metrics = new Metrics()
  const sink = new InfluxSink({ url, bucket: 'care', maxBatch: batch })
  const { outbox, writer, h, scheduler } = history(store, metrics, sink, batch)
  const rows = fixes()
  const lines = []
  for (let n = 0; n < POINTS; n += rows.length) {
    for (const row of rows) {
      lines.push({
        cls: 'position' as const,
        line: `position,device=${row.deviceId},street=Haifeng\\ St lat=${row.lat},lon=${row.lon},acc=10 ${row.ts + n}`,
      })
    }
  }
  for (let i = 0; i < POINTS; i += 10_000)
    await outbox.add(lines.slice(i, Math.min(i + 10_000, POINTS)), Date.now())
  const t0 = performance.now()
  await h.start()
  await writer.settled()
  const ms = performance.now() - t0
  if (outbox.depth !== 0) throw new Error(`outbox not drained: ${outbox.depth} left`)
  await h.stop()
  scheduler.stop()
  await sink.close()
  store.close()
  rmSync(dir, { recursive: true, force: true })
  return { batch, points: POINTS, pointsPerS: Math.round((POINTS / ms) * 1000) }
}

const CLIENTS = 20
const PER_CLIENT = 10_000
const TOKEN = 'bench-admin-token-0123456789'

/** `loc` messages a second the whole gateway stores, with or without InfluxDB history. */
async function gatewayIngest(influxUrl: string | undefined): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-ingest-'))
  const config = loadConfig({
    env: {
      CARE_HTTP_PORT: '0',
      CARE_MQTT_PORT: '0',
      CARE_DATA_DIR: dataDir,
      CARE_ADMIN_TOKEN: TOKEN,
      CARE_LOG_LEVEL: 'silent',
      CARE_FLOWS: 'off',
      // one bench client stands for many devices: lift the per-device limit
      CARE_MQTT_RATE_PER_S: '1000000',
      CARE_MQTT_BURST: '1000000',
      ...(influxUrl ? { CARE_INFLUX_URL: influxUrl, CARE_INFLUX_BUCKET: 'care' } : {}),
    },
    file: join(dataDir, 'none.json'),
  })
  const app = new App({ config })
  await app.start()
  const put = async (path: string, body: Record<string, unknown>) => {
    const res = await app.surface.inject({
      method: 'PUT',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: body,
    })
    if (res.statusCode >= 300) throw new Error(`PUT ${path}: ${res.statusCode} ${res.body}`)
  }
  await put('/elders/ELDER1', {
    name: 'bench',
    grid: ['Haifeng St', 'Dongguan', 'G03'],
    home: { lat: 37.38, lon: 117.97 },
  })
  const clients: MqttClient[] = []
  for (let c = 0; c < CLIENTS; c++) {
    await put(`/devices/DEV${c}`, {
      kind: 'watch',
      elderId: 'ELDER1',
      secret: `secret-DEV${c}`,
      intervalS: 86_400,
    })
    const client = mqtt.connect(`mqtt://127.0.0.1:${app.surface.ports.mqtt}`, {
      username: `DEV${c}`,
      password: `secret-DEV${c}`,
      reconnectPeriod: 0,
    })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    clients.push(client)
  }
  const stored = () => app.surface.metrics.get('care_positions_stored_total')
  const t0 = performance.now()
  const base = Date.now() - 3_600_000
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < PER_CLIENT; i++) {
        const payload = JSON.stringify({ ts: base + i, lat: 37.38 + c / 1e4, lon: 117.97 + i / 1e6, acc: 10 })
        // every 200th message waits until written to the socket: backpressure without a wait per message
        if (i % 200 === 199) await client.publishAsync(`care/v1/dev/DEV${c}/loc`, payload, { qos: 0 })
        else client.publish(`care/v1/dev/DEV${c}/loc`, payload, { qos: 0 })
      }
    }),
  )
  const total = CLIENTS * PER_CLIENT
  while (stored() < total && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 10))
  const perS = (stored() / (performance.now() - t0)) * 1000
  await Promise.all(clients.map((c) => c.endAsync()))
  await app.stop()
  rmSync(dataDir, { recursive: true, force: true })
  return Math.round(perS)
}

const vm = await startVictoria()
try {
  const drain = []
  for (const batch of BATCHES) drain.push(await drainRate(vm.url, batch))
  await ingestCost(false) // warm-up
  const without = await ingestCost(false)
  const withOutbox = await ingestCost(true)
  await gatewayIngest(undefined) // warm-up
  const embeddedLocPerS = await gatewayIngest(undefined)
  const influxLocPerS = await gatewayIngest(vm.url)
  const result = {
    bench: 'history-drain',
    node: process.version,
    drain,
    ingest: {
      fixes: FIXES,
      usPerFixWithoutOutbox: Math.round(without * 100) / 100,
      usPerFixWithOutbox: Math.round(withOutbox * 100) / 100,
      addedUsPerFix: Math.round((withOutbox - without) * 100) / 100,
      maxFixesPerSWithOutbox: Math.round(1e6 / withOutbox),
      gatewayLocPerSEmbedded: embeddedLocPerS,
      gatewayLocPerSWithInflux: influxLocPerS,
      gatewayRatio: Math.round((influxLocPerS / embeddedLocPerS) * 100) / 100,
    },
    target: { pointsPerS: 50_000, met: drain.every((d) => d.pointsPerS >= 50_000) },
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  if (!result.target.met) process.exitCode = 1
} finally {
  await vm.stop()
}
