/**
 * `npm run bench`: the whole suite, every load generator in its own process,
 * the raw relays measured in the same run. Prints one JSON line per
 * benchmark and rewrites the results table in docs/performance.md.
 * Smaller runs: BENCH_DEVICES, BENCH_LOC_RATE, BENCH_SOS, BENCH_RELAY_S, BENCH_RESTART_ALARMS.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { carerRecords, deviceRecords, records, startGateway } from './suite/gateway.ts'
import { NODE, procRss, type Relay, runJson, startMosquitto, startRawAedes } from './suite/servers.ts'
import { writeTable } from './suite/table.ts'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const DEVICES = env('BENCH_DEVICES', 10_000)
const LOC_RATE = env('BENCH_LOC_RATE', 5_000)
const SOS = env('BENCH_SOS', 1_000)
const RELAY_S = env('BENCH_RELAY_S', 5)
const RESTART_ALARMS = env('BENCH_RESTART_ALARMS', 1_000)
const here = import.meta.dirname
const suite = (name: string) => join(here, 'suite', name)
const results: Record<string, unknown> = {}
const emit = (bench: string, value: Record<string, unknown>) => {
  results[bench] = value
  process.stdout.write(`${JSON.stringify({ bench, ...value })}\n`)
}

/** Starts background devices; resolves once they are connected, with a promise of their final line. */
function backgroundDevices(url: string, prefix: string, count: number, rate: number, seconds: number) {
  const child = spawn(
    NODE,
    [suite('devices.ts'), url, prefix, '0', String(count), String(rate), String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let out = ''
  const connected = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /connected (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`devices exited ${code}`)))
  })
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    child.once('exit', () => {
      const line = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1)
      if (line) resolve(JSON.parse(line) as Record<string, number>)
      else reject(new Error(`devices: ${out}`))
    })
  })
  return { connected, done, stop: () => child.kill('SIGTERM') }
}

async function relayBaseline(start: () => Promise<Relay>): Promise<Record<string, unknown>> {
  const relay = await start()
  try {
    const r = await runJson<Record<string, unknown>>(suite('relay-client.ts'), [
      relay.url,
      String(RELAY_S),
      '2000',
    ])
    const rss0 = await relay.rss()
    const idle = backgroundDevices(relay.url, 'BGD', DEVICES, 0, 3)
    const n = await idle.connected
    const rss1 = await relay.rss()
    await idle.done
    return { ...r, idleConnections: n, rssPerConnKB: Math.round((rss1 - rss0) / n / 102.4) / 10 }
  } finally {
    await relay.stop()
  }
}

async function gatewayRun(): Promise<void> {
  const gw = await startGateway()
  try {
    const t0 = performance.now()
    await gw.provision(
      records(deviceRecords('BGD', DEVICES), deviceRecords('P-D', SOS), carerRecords('P-C', 50)),
    )
    const provisionS = (performance.now() - t0) / 1000
    const pid = gw.child.process.pid ?? 0
    const rss0 = await procRss(pid)
    const seconds = 3_600 // stopped as soon as the probe is done
    const bg = backgroundDevices(gw.child.mqttUrl, 'BGD', DEVICES, LOC_RATE, seconds)
    const n = await bg.connected
    const rss1 = await procRss(pid)
    emit('connections', {
      target: 'gateway',
      idleConnections: n,
      rssPerConnKB: Math.round((rss1 - rss0) / n / 102.4) / 10,
    })
    const probe = await runJson<Record<string, unknown>>(suite('sos-probe.ts'), [
      gw.child.mqttUrl,
      String(SOS),
      '50',
    ])
    bg.stop()
    const load = await bg.done.catch(() => ({}))
    emit('sos-latency-loaded', {
      devices: n,
      locPerS: LOC_RATE,
      provisionS: Math.round(provisionS),
      ...probe,
      load,
    })
  } finally {
    await gw.child.stop()
  }
}

async function restartRun(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-restart-'))
  let gw = await startGateway(dataDir)
  await gw.provision(deviceRecords('P-D', RESTART_ALARMS))
  await runJson(suite('sos-probe.ts'), [gw.child.mqttUrl, String(RESTART_ALARMS), '0'])
  await gw.child.stop()
  const t0 = performance.now()
  gw = await startGateway(dataDir)
  const readyMs = performance.now() - t0
  const line = /up in (\d+) ms: (\d+) open alarms restored/.exec(gw.child.output())
  emit('restart', {
    openAlarms: Number(line?.[2] ?? 0),
    bootMs: Number(line?.[1] ?? Number.NaN),
    processToReadyMs: Math.round(readyMs),
  })
  await gw.child.stop()
}

emit('relay-aedes', await relayBaseline(startRawAedes))
emit('relay-mosquitto', await relayBaseline(startMosquitto))
emit('nearest-carer', await runJson(join(here, 'nearest-carer.ts'), []))
await gatewayRun()
await restartRun()
const mosquitto = /mosquitto version [\d.]+/.exec(
  spawnSync('/usr/sbin/mosquitto', ['-h']).stdout.toString(),
)?.[0]
if (process.env.BENCH_WRITE !== '0') writeTable(results, mosquitto?.replace('mosquitto', 'Mosquitto'))
