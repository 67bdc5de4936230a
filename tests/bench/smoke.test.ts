import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { underCi } from '../support/ci.ts'

// `npm run bench` at a toy size: every benchmark runs and prints one line of valid JSON (no figures judged)
const root = resolve(import.meta.dirname, '..', '..')
const tiny = {
  BENCH_WRITE: '0',
  BENCH_BOARD: '0',
  BENCH_CONNECTIONS: '50',
  BENCH_DEVICES: '50',
  BENCH_LOC_RATE: '50',
  BENCH_SOS: '10',
  BENCH_RELAY_S: '1',
  BENCH_RESTART_ALARMS: '10',
  BENCH_INGEST_DEVICES: '20',
  BENCH_INGEST_STEP_S: '1',
  BENCH_INGEST_RATES: '100,200',
  BENCH_WATCHES: '20',
  BENCH_WATCH_SOS: '5',
  BENCH_WATCH_FIXES: '5',
  BENCH_DECODE_S: '0.2',
  BENCH_CLUSTER_DEVICES: '30',
  BENCH_CLUSTER_SOS: '5',
  BENCH_CLUSTER_WINDOW_S: '1',
  BENCH_CLUSTER_INGEST_STEP_S: '1',
  BENCH_CLUSTER_INGEST_RATES: '100',
  BENCH_CLUSTER_LEASES: '2',
  BENCH_CLUSTER_RETRY: 'redispatch',
  BENCH_CLUSTER_FAILOVER_ALARMS: '6',
}

describe('the benchmark suite, tiny', () => {
  it('runs every benchmark and prints one JSON line for each', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bench/run.ts'], {
      cwd: root,
      env: { ...process.env, ...tiny },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 420_000,
    })
    const lines = stdout.split('\n').filter((l) => l.startsWith('{'))
    const results = lines.map((l) => JSON.parse(l) as { bench: string } & Record<string, unknown>)
    const names = results.map((r) => r.bench)
    for (const bench of [
      'relay-aedes',
      'relay-mosquitto',
      'nearest-carer',
      'connections',
      'sos-latency-loaded',
      'ingest',
      'restart',
      'watch',
      'cluster',
    ])
      expect(names, bench).toContain(bench)
    const sos = results.find((r) => r.bench === 'sos-latency-loaded')
    expect(sos).toMatchObject({ sos: 10, offers: 10, missed: 0 })
    expect(results.find((r) => r.bench === 'restart')).toMatchObject({ openAlarms: 10 })
    // the cluster's servers may be missing outside CI; under CI, or where they are, every press on both sides was offered
    const cluster = results.find((r) => r.bench === 'cluster')
    if (underCi() || !cluster?.skipped) {
      expect(cluster).toMatchObject({
        sos: { single: { idle: { offers: 5, missed: 0 } }, cluster: { idle: { offers: 5, missed: 0 } } },
      })
    }
    // every watch SOS and every MQTT one reached a carer as an offer
    expect(results.find((r) => r.bench === 'watch')).toMatchObject({
      watches: 20,
      sosToOfferMs: { watch: { n: 5 }, mqtt: { n: 5 } },
    })
  }, 450_000)
})
