/**
 * `npm run bench`: the whole suite, every load generator in its own process,
 * the raw relays measured in the same run. Prints one JSON line per
 * benchmark and rewrites the results table in docs/performance.md.
 * Sizes: BENCH_CONNECTIONS (idle connections, 20,000), BENCH_DEVICES (devices
 * sending `loc` behind the SOS probe, 10,000), BENCH_LOC_RATE (5,000),
 * BENCH_SOS (1,000), BENCH_RELAY_S, BENCH_RESTART_ALARMS, BENCH_INGEST_DEVICES
 * (4,000), BENCH_INGEST_STEP_S (10), BENCH_INGEST_RATES (comma-separated),
 * BENCH_WATCHES (watches held, 2,000), BENCH_WATCH_SOS (200), BENCH_CLUSTER_* (bench/cluster.ts), BENCH_BOARD=0 (skip the browser), BENCH_PROFILE=<dir> (CPU profile of the
 * gateway during the SOS run), BENCH_GATEWAY_MAIN=<path to gateway/main.ts> (another
 * checkout's gateway, to compare versions), BENCH_WRITE=0 (do not touch the docs), BENCH_ONLY=sos
 * (provisioning, idle connections and the loaded SOS run only, for profiling; writes nothing),
 * BENCH_ONLY=ingest (the stepped ingest alone; writes nothing).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startVictoria, VICTORIA } from '../tests/support/tsdb.ts'
import { type BenchGateway, carerRecords, deviceRecords, records, startGateway } from './suite/gateway.ts'
import { type IngestResult, stepIngest } from './suite/ingest.ts'
import { startLoads, sumCounters } from './suite/load.ts'
import {
  openFilesLimit,
  procCpuMs,
  procRss,
  type Relay,
  runJson,
  startMosquitto,
  startRawAedes,
} from './suite/servers.ts'
import { round } from './suite/stats.ts'
import { writeTable } from './suite/table.ts'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const DEVICES = env('BENCH_DEVICES', 10_000)
const LOC_RATE = env('BENCH_LOC_RATE', 5_000)
const SOS = env('BENCH_SOS', 1_000)
const RELAY_S = env('BENCH_RELAY_S', 5)
const RESTART_ALARMS = env('BENCH_RESTART_ALARMS', 1_000)
const INGEST_DEVICES = env('BENCH_INGEST_DEVICES', 4_000)
const INGEST_STEP_S = env('BENCH_INGEST_STEP_S', 10)
const INGEST_RATES = (
  process.env.BENCH_INGEST_RATES ??
  '2500,5000,7500,10000,12500,15000,20000,25000,30000,40000,50000,60000,80000'
)
  .split(',')
  .map(Number)
// one more device than the others need: the ingest probe
const CONNECTIONS = Math.max(env('BENCH_CONNECTIONS', 20_000), DEVICES, INGEST_DEVICES + 1)
const PER_GENERATOR = 10_000
const LATENCY_BOUND_MS = 25
const BOARD = process.env.BENCH_BOARD !== '0' && existsSync('/usr/bin/chromium')
const here = import.meta.dirname
const suite = (name: string) => join(here, 'suite', name)
const results: Record<string, unknown> = {}
const emit = (bench: string, value: Record<string, unknown>) => {
  results[bench] = value
  process.stdout.write(`${JSON.stringify({ bench, ...value })}\n`)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const load1 = () => round(loadavg()[0] ?? 0)

/**
 * `count` idle devices, up to 10,000 per generator process; the server's RSS
 * before and after (2 s after the last CONNACK), per connection.
 */
async function idleConnections(url: string, prefix: string, count: number, pid: number, anonymous: boolean) {
  const rss0 = await procRss(pid)
  const loads = startLoads(url, prefix, 0, count, Math.ceil(count / PER_GENERATOR), { anonymous })
  const t0 = performance.now()
  const connected = await Promise.all(loads.map((l) => l.connected))
  const connectS = (performance.now() - t0) / 1000
  await sleep(2_000)
  const rss1 = await procRss(pid)
  const n = connected.reduce((a, c) => a + c.connected, 0)
  const failed = connected.reduce((a, c) => a + c.failed, 0)
  const closed = sumCounters(await Promise.all(loads.map((l) => l.report()))).closed
  await Promise.all(loads.map((l) => l.quit()))
  return {
    idleConnections: n,
    failed,
    closedMeanwhile: closed,
    generators: loads.length,
    connectS: round(connectS, 1),
    openFilesLimit: await openFilesLimit(pid),
    rssBeforeMB: round(rss0 / 2 ** 20, 1),
    rssAfterMB: round(rss1 / 2 ** 20, 1),
    rssPerConnKB: round((rss1 - rss0) / Math.max(1, n) / 1024, 1),
  }
}

async function relayBaseline(start: () => Promise<Relay>): Promise<Record<string, unknown>> {
  const relay = await start()
  try {
    const r = await runJson<Record<string, unknown>>(suite('relay-client.ts'), [
      relay.url,
      String(RELAY_S),
      '2000',
    ])
    const idle = await idleConnections(relay.url, 'IDLE', CONNECTIONS, relay.pid, true)
    let ingest: IngestResult | undefined
    const received = relay.received?.bind(relay)
    if (received) {
      ingest = await stepIngest(
        {
          mqttUrl: relay.url,
          pid: relay.pid,
          stored: received,
          throttled: async () => 0,
          prefix: 'ING',
          from: 0,
          devices: INGEST_DEVICES,
          anonymous: true,
          probeId: 'ING-PROBE',
        },
        {
          rates: INGEST_RATES,
          stepS: INGEST_STEP_S,
          warmS: 2,
          processes: 2,
          latencyBoundMs: LATENCY_BOUND_MS,
        },
      )
    }
    return { ...r, ...idle, ...(ingest ? { ingest } : {}) }
  } finally {
    await relay.stop()
  }
}

/** Node arguments preloading the event-loop and GC recorder (bench/lib/loop-probe.ts). */
const LOOP_PROBE = ['--import', join(here, 'lib', 'loop-probe.ts')]

interface LoopWindow {
  windowEnd: number
  delayMs: { p50: number; p99: number; p999: number; max: number }
  stalls: { at: number; ms: number }[]
  gcs: { at: number; ms: number; kind: number }[]
}

interface LoopReport extends LoopWindow {
  windowStart: number
  /** After the window closed (the load generators leaving), when it was closed. */
  after?: LoopWindow
}

function summariseLoop(file: string) {
  const loop = JSON.parse(readFileSync(file, 'utf8')) as LoopReport
  const sum = (list: { ms: number }[]) => list.reduce((a, x) => a + x.ms, 0)
  return {
    delayMs: loop.delayMs,
    stallsOver20Ms: loop.stalls.length,
    stallMsTotal: sum(loop.stalls),
    gcPausesOver5Ms: loop.gcs.length,
    gcMsTotal: sum(loop.gcs),
    gcMaxMs: Math.max(0, ...loop.gcs.map((g) => g.ms)),
    ...(loop.after
      ? {
          afterWindow: {
            delayMaxMs: loop.after.delayMs.max,
            longestStallMs: Math.max(0, ...loop.after.stalls.map((s) => s.ms)),
          },
        }
      : {}),
  }
}

/** Provisioning, 20,000 idle connections, then SOS latency under 5,000 `loc`/s. Returns the data directory. */
async function gatewayRun(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-'))
  const loopFile = join(dataDir, 'loop.json')
  const profile = process.env.BENCH_PROFILE
  const gw = await startGateway({
    dataDir,
    env: { BENCH_LOOP_PROBE: loopFile },
    nodeArgs: [...LOOP_PROBE, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
  })
  let sos: Record<string, unknown> = {}
  try {
    const t0 = performance.now()
    const imported = await gw.provision(
      records(deviceRecords('BGD', CONNECTIONS), deviceRecords('P-D', SOS), carerRecords('P-C', 50)),
    )
    const provisionS = round((performance.now() - t0) / 1000, 1)
    emit('provision', {
      rows: imported.total,
      devices: CONNECTIONS + SOS,
      requests: imported.requests,
      seconds: provisionS,
      rowsPerS: Math.round(imported.total / provisionS),
      devicesPerS: Math.round((CONNECTIONS + SOS) / provisionS),
    })
    const idle = await idleConnections(gw.child.mqttUrl, 'BGD', CONNECTIONS, gw.child.pid, false)
    emit('connections', { target: 'gateway', ...idle })
    sos = await sosUnderLoad(gw)
  } finally {
    await gw.child.stop()
  }
  emit('sos-latency-loaded', { ...sos, gatewayLoop: summariseLoop(loopFile) })
  return dataDir
}

async function sosUnderLoad(gw: BenchGateway): Promise<Record<string, unknown>> {
  const loads = startLoads(gw.child.mqttUrl, 'BGD', 0, DEVICES, Math.ceil(DEVICES / PER_GENERATOR))
  const connected = await Promise.all(loads.map((l) => l.connected))
  for (const l of loads) l.rate(LOC_RATE / loads.length)
  await sleep(5_000)
  const pids = { gateway: [gw.child.pid], generators: loads.map((l) => l.pid) }
  const cpuNow = async () => {
    const out: Record<string, number> = {}
    for (const [k, list] of Object.entries(pids)) {
      out[k] = 0
      for (const pid of list) out[k] += await procCpuMs(pid)
    }
    return out
  }
  let m0 = new Map<string, number>()
  let before = sumCounters([])
  let cpu0: Record<string, number> = {}
  let load0 = 0
  let t0 = 0
  // the window opens once the probe's carers and pressing devices are connected
  const opened = async () => {
    // the gateway's event-loop window starts here
    process.kill(gw.child.pid, 'SIGUSR2')
    m0 = await gw.metrics()
    before = sumCounters(await Promise.all(loads.map((l) => l.report())))
    cpu0 = await cpuNow()
    load0 = load1()
    t0 = performance.now()
  }
  const probe = await runJson<Record<string, unknown>>(
    suite('sos-probe.ts'),
    [gw.child.mqttUrl, String(SOS), '50'],
    { BENCH_PROBE_GO: '1' },
    30 * 60_000,
    opened,
  )
  const ms = performance.now() - t0
  // the window ends with the probe: the 10,000 devices leaving at once are measured apart
  process.kill(gw.child.pid, 'SIGUSR2')
  const cpu1 = await cpuNow()
  const after = sumCounters(await Promise.all(loads.map((l) => l.report())))
  const m1 = await gw.metrics()
  await Promise.all(loads.map((l) => l.quit()))
  const delta = (k: string) => (m1.get(k) ?? 0) - (m0.get(k) ?? 0)
  return {
    devices: connected.reduce((a, c) => a + c.connected, 0),
    locPerS: LOC_RATE,
    ...probe,
    probeSeconds: round(ms / 1000, 1),
    load: {
      sentPerS: Math.round(((after.sent - before.sent) * 1000) / ms),
      storedPerS: Math.round((delta('care_positions_stored_total') * 1000) / ms),
      throttled: delta('care_mqtt_throttled_total'),
      blocked: after.blocked - before.blocked,
    },
    // the probe process's own CPU is not counted; the machine has 2 cores (200%)
    cpuPct: Object.fromEntries(
      Object.keys(pids).map((k) => [k, Math.round((((cpu1[k] ?? 0) - (cpu0[k] ?? 0)) / ms) * 100)]),
    ),
    loadAverage: { start: load0, end: load1() },
  }
}

/** A process by a text in its command line (the TSDB started by the test support, to read its CPU). */
function pidByArgument(text: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) return Number(entry)
    } catch {
      // gone meanwhile
    }
  }
  return 0
}

/** Stepped `loc` ingest through the whole gateway, history outbox drained to VictoriaMetrics. */
async function ingestRun(dataDir: string): Promise<void> {
  const victoria = existsSync(VICTORIA) ? await startVictoria() : undefined
  const loopFile = join(dataDir, 'ingest-loop.json')
  const profile = process.env.BENCH_PROFILE
  const gw = await startGateway({
    dataDir,
    env: {
      ...(victoria ? { CARE_INFLUX_URL: victoria.url, CARE_INFLUX_BUCKET: 'care' } : {}),
      BENCH_LOOP_PROBE: loopFile,
    },
    nodeArgs: [...LOOP_PROBE, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
  })
  try {
    const metric = async (name: string) => (await gw.metrics()).get(name) ?? 0
    const others: Record<string, number> = {}
    if (victoria) others.victoria = pidByArgument(`-httpListenAddr=127.0.0.1:${victoria.port}`)
    const result = await stepIngest(
      {
        mqttUrl: gw.child.mqttUrl,
        pid: gw.child.pid,
        stored: () => metric('care_positions_stored_total'),
        throttled: () => metric('care_mqtt_throttled_total'),
        prefix: 'BGD',
        from: 0,
        devices: INGEST_DEVICES,
        anonymous: false,
        probeId: `BGD${CONNECTIONS - 1}`,
        others,
      },
      { rates: INGEST_RATES, stepS: INGEST_STEP_S, warmS: 2, processes: 2, latencyBoundMs: LATENCY_BOUND_MS },
    )
    const m = await gw.metrics()
    emit('ingest', {
      target: 'gateway',
      history: victoria ? 'outbox → VictoriaMetrics' : 'embedded (no outbox)',
      ...result,
      historyPointsWritten: m.get('care_history_points_written_total') ?? 0,
      historyOutboxDepth: m.get('care_history_outbox_depth') ?? 0,
      historyPointsDropped: m.get('care_history_points_dropped_total') ?? 0,
    })
  } finally {
    await gw.child.stop()
    await victoria?.stop()
  }
  // the gateway's event-loop stalls over the whole stepped run, with their wall-clock times
  const loop = JSON.parse(readFileSync(loopFile, 'utf8')) as LoopReport
  emit('ingest-loop', {
    delayMs: loop.delayMs,
    stalls: loop.stalls.filter((s) => s.ms >= 50),
    gcMaxMs: Math.max(0, ...loop.gcs.map((g) => g.ms)),
  })
}

async function restartRun(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-restart-'))
  let gw = await startGateway({ dataDir })
  await gw.provision(deviceRecords('P-D', RESTART_ALARMS))
  await runJson(suite('sos-probe.ts'), [gw.child.mqttUrl, String(RESTART_ALARMS), '0'])
  await gw.child.stop()
  const t0 = performance.now()
  gw = await startGateway({ dataDir })
  const readyMs = performance.now() - t0
  const line = /up in (\d+) ms: (\d+) open alarms restored/.exec(gw.child.output())
  emit('restart', {
    openAlarms: Number(line?.[2] ?? 0),
    bootMs: Number(line?.[1] ?? Number.NaN),
    processToReadyMs: Math.round(readyMs),
  })
  await gw.child.stop()
}

const startedAt = Date.now()
emit('machine', { loadAverageAtStart: load1(), connections: CONNECTIONS })
if (process.env.BENCH_ONLY === 'sos') {
  // the loaded SOS run alone (with BENCH_PROFILE, for a profile of it); nothing written to the docs
  await gatewayRun()
  process.exit(0)
}
if (process.env.BENCH_ONLY === 'ingest') {
  // the stepped ingest alone, on devices provisioned for it; nothing written to the docs
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-'))
  const gw = await startGateway({ dataDir })
  await gw.provision(deviceRecords('BGD', CONNECTIONS))
  await gw.child.stop()
  await ingestRun(dataDir)
  process.exit(0)
}
emit('relay-aedes', await relayBaseline(startRawAedes))
emit('relay-mosquitto', await relayBaseline(startMosquitto))
emit('nearest-carer', await runJson(join(here, 'nearest-carer.ts'), []))
const dataDir = await gatewayRun()
await ingestRun(dataDir)
await restartRun()
// "3G" watches over TCP: the decoder, connections held, fixes through the gateway, AL → offer beside MQTT
emit('watch', await runJson(join(here, 'watch.ts'), []))
// cluster mode beside the single process: SOS → offer, failover, ingest on one and two nodes, sizing
try {
  emit('cluster', await runJson(join(here, 'cluster.ts'), [], {}, 30 * 60_000))
} catch (error) {
  emit('cluster', { error: String(error).slice(0, 300) })
}
if (BOARD) {
  try {
    emit('board', await runJson(join(here, 'board.ts'), [], {}, 5 * 60_000))
  } catch (error) {
    emit('board', { error: String(error).slice(0, 300) })
  }
}
emit('machine-end', { minutes: round((Date.now() - startedAt) / 60_000, 1), loadAverageAtEnd: load1() })
const mosquitto = /mosquitto version [\d.]+/.exec(
  spawnSync('/usr/sbin/mosquitto', ['-h']).stdout.toString(),
)?.[0]
if (process.env.BENCH_WRITE !== '0') writeTable(results, mosquitto?.replace('mosquitto', 'Mosquitto'))
