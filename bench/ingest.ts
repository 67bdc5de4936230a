/**
 * `node bench/ingest.ts`: only the stepped `loc` ingest of the suite (bench/run.ts, "ingest"), through
 * the whole gateway with its history outbox drained to VictoriaMetrics (when installed), on a fresh
 * store provisioned with the ingest devices alone. For comparing two versions of the telemetry path
 * quickly; the suite's figures in docs/performance.md come from `npm run bench`.
 * Sizes: BENCH_INGEST_DEVICES (4,000), BENCH_INGEST_STEP_S (10), BENCH_INGEST_RATES (comma-separated),
 * BENCH_GATEWAY_MAIN=<path to gateway/main.ts> (another checkout's gateway).
 */
import { existsSync } from 'node:fs'
import { startVictoria, VICTORIA } from '../tests/support/tsdb.ts'
import { deviceRecords, startGateway } from './suite/gateway.ts'
import { stepIngest } from './suite/ingest.ts'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const DEVICES = env('BENCH_INGEST_DEVICES', 4_000)
const STEP_S = env('BENCH_INGEST_STEP_S', 10)
const RATES = (process.env.BENCH_INGEST_RATES ?? '2500,5000,7500,10000,12500,15000,20000')
  .split(',')
  .map(Number)
const LATENCY_BOUND_MS = 25

const victoria = existsSync(VICTORIA) ? await startVictoria() : undefined
const gw = await startGateway({
  env: victoria ? { CARE_INFLUX_URL: victoria.url, CARE_INFLUX_BUCKET: 'care' } : {},
})
try {
  // one more device than the load: the QoS 1 probe
  await gw.provision(deviceRecords('BGD', DEVICES + 1))
  const metric = async (name: string) => (await gw.metrics()).get(name) ?? 0
  const result = await stepIngest(
    {
      mqttUrl: gw.child.mqttUrl,
      pid: gw.child.pid,
      stored: () => metric('care_positions_stored_total'),
      throttled: () => metric('care_mqtt_throttled_total'),
      prefix: 'BGD',
      from: 0,
      devices: DEVICES,
      anonymous: false,
      probeId: `BGD${DEVICES}`,
    },
    { rates: RATES, stepS: STEP_S, warmS: 2, processes: 2, latencyBoundMs: LATENCY_BOUND_MS },
  )
  const m = await gw.metrics()
  process.stdout.write(
    `${JSON.stringify({
      bench: 'ingest',
      history: victoria ? 'outbox → VictoriaMetrics' : 'embedded (no outbox)',
      ...result,
      historyPointsWritten: m.get('care_history_points_written_total') ?? 0,
      historyOutboxDepth: m.get('care_history_outbox_depth') ?? 0,
    })}\n`,
  )
} finally {
  await gw.child.stop()
  await victoria?.stop()
}
