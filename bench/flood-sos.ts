/**
 * Others' SOS latency while one client attacks. The gateway and the
 * attacker run as separate processes; this process is the well-behaved
 * elder pressing SOS. Attacks (BENCH_FLOOD_MODES, comma-separated, all by
 * default): `qos0` (loc at QoS 0 as fast as the socket takes it), `qos1`
 * (loc at QoS 1 with BENCH_FLOOD_WINDOW unacknowledged, a backlog upload that
 * never ends), `memory` (BENCH_FLOOD_SOCKETS sockets announcing a 256 MiB
 * packet before any CONNECT and streaming zeros). For each: the SOS PUBACK
 * and `received` latency, and the gateway's RSS. Prints one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { procRss } from './suite/servers.ts'

const ROOT = join(import.meta.dirname, '..')
const TOKEN = 'bench-admin-token-0123456789'
const PRESSES = Number(process.env.BENCH_SOS ?? 300)
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 15)
const MODES = (process.env.BENCH_FLOOD_MODES ?? 'qos0,qos1,memory').split(',')
const WINDOW = Number(process.env.BENCH_FLOOD_WINDOW ?? 1_000)
const SOCKETS = Number(process.env.BENCH_FLOOD_SOCKETS ?? 8)

function startGateway(dataDir: string): Promise<{ child: ChildProcess; http: string; mqtt: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'gateway', 'main.ts')], {
    env: {
      ...process.env,
      CARE_DATA_DIR: dataDir,
      CARE_ADMIN_TOKEN: TOKEN,
      CARE_HTTP_PORT: '0',
      CARE_MQTT_PORT: '0',
      CARE_LOG_LEVEL: 'error',
      CARE_FLOWS: 'off',
      // the well-behaved elder here presses far faster than any real one; only the flooder is limited
      CARE_MQTT_ALARM_RATE_PER_S: '10000',
      CARE_MQTT_ALARM_BURST: '10000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const http = /HTTP API\s+(http:\/\/\S+)\/api\/v1/.exec(out)?.[1]
      const broker = /MQTT\s+(mqtt:\/\/\S+)/.exec(out)?.[1]
      if (http && broker) resolve({ child, http, mqtt: broker })
    })
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)))
  })
}

function connect(url: string, id: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username: id, password: `secret-${id}`, reconnectPeriod: 0 })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

interface Press {
  /** PUBLISH → PUBACK: the gateway stored the SOS. */
  puback: number
  /** PUBLISH → `received` notify. */
  received: number
}

/** One elder presses SOS `n` times (a new alarm each: the last one is resolved first). */
async function presses(http: string, device: MqttClient, n: number, tag: string): Promise<Press[]> {
  const out: Press[] = []
  for (let i = 0; i < n; i++) {
    const got = new Promise<string>((resolve) => {
      const onMessage = (_t: string, payload: Buffer) => {
        const m = JSON.parse(payload.toString()) as { state: string; alarmId: string }
        if (m.state !== 'received') return
        device.off('message', onMessage)
        resolve(m.alarmId)
      }
      device.on('message', onMessage)
    })
    const t0 = performance.now()
    let puback = Number.NaN
    device.publish(
      'care/v1/dev/B0001/sos',
      JSON.stringify({ id: `${tag}${i}`, ts: Date.now() }),
      { qos: 1 },
      () => {
        puback = performance.now() - t0
      },
    )
    const alarmId = await got
    const received = performance.now() - t0
    out.push({ puback: Number.isNaN(puback) ? received : puback, received })
    await fetch(`${http}/api/v1/alarms/${alarmId}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'resolve', outcome: 'false_alarm' }),
    })
  }
  return out
}

const pct = (s: number[], p: number) =>
  Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0) * 100) / 100

function summary(values: number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b)
  return { p50: pct(s, 50), p99: pct(s, 99), max: pct(s, 100) }
}

function latencies(ps: Press[]) {
  return { receivedMs: summary(ps.map((p) => p.received)), pubackMs: summary(ps.map((p) => p.puback)) }
}

/** The gateway's resident memory, sampled every 100 ms while `during` runs: before and the most seen. */
async function rssDuring<T>(
  pid: number,
  during: Promise<T>,
): Promise<{ value: T; rssMb: { before: number; max: number } }> {
  const mb = (bytes: number) => Math.round(bytes / 1_048_576)
  const before = await procRss(pid)
  let max = before
  let done = false
  const sampling = (async () => {
    while (!done) {
      max = Math.max(max, await procRss(pid).catch(() => 0))
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  const value = await during
  done = true
  await sampling
  return { value, rssMb: { before: mb(before), max: mb(max) } }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-flood-'))
  const gw = await startGateway(dataDir)
  const pid = gw.child.pid ?? 0
  const put = (path: string, body: unknown) =>
    fetch(`${gw.http}/api/v1${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  await put('/elders/E0001', { name: '老人', home: { lat: 37.3835, lon: 117.9707 } })
  await put('/devices/B0001', { kind: 'terminal', elderId: 'E0001', secret: 'secret-B0001' })
  await put('/devices/F0001', { kind: 'phone', elderId: 'E0001', secret: 'secret-F0001' })
  const device = await connect(gw.mqtt, 'B0001')
  await device.subscribeAsync('care/v1/dev/B0001/notify', { qos: 1 })
  const metrics = async () => {
    const text = await (
      await fetch(`${gw.http}/api/v1/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text()
    return (name: string) =>
      [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce(
        (n, m) => n + Number(m[1]),
        0,
      )
  }

  const quiet = await rssDuring(pid, presses(gw.http, device, PRESSES, 'q'))
  const attacks: Record<string, unknown> = {}
  for (const mode of MODES) {
    const m0 = await metrics()
    const window = mode === 'memory' ? SOCKETS : WINDOW
    const flooder = spawn(
      process.execPath,
      [
        join(ROOT, 'bench', 'lib', 'flooder.ts'),
        gw.mqtt,
        'F0001',
        'secret-F0001',
        String(FLOOD_S),
        mode,
        String(window),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let floodOut = ''
    flooder.stdout?.on('data', (d: Buffer) => {
      floodOut += d.toString()
    })
    const exited = new Promise<void>((r) => flooder.once('exit', () => r()))
    const run = (async () => {
      await new Promise((r) => setTimeout(r, 2_000)) // the attack under way
      const flooded = await presses(gw.http, device, PRESSES, `${mode}-`)
      await exited
      return flooded
    })()
    const { value: flooded, rssMb } = await rssDuring(pid, run)
    const m1 = await metrics()
    const delta = (name: string) => m1(name) - m0(name)
    const flood = JSON.parse(floodOut.trim() || '{}') as Record<string, number>
    attacks[mode] = {
      ...latencies(flooded),
      rssMb,
      flooder: {
        window,
        offeredPerS: Math.round((flood.sent ?? 0) / FLOOD_S),
        ackedPerS: Math.round((flood.acked ?? 0) / FLOOD_S),
        mbPerS: Math.round((flood.bytes ?? 0) / 1_048_576 / FLOOD_S),
        connects: flood.connects,
      },
      gateway: {
        throttled: delta('care_mqtt_throttled_total'),
        held: delta('care_mqtt_held_total'),
        refused: delta('care_mqtt_refused_total'),
      },
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'flood-sos',
      node: process.version,
      presses: PRESSES,
      floodS: FLOOD_S,
      quiet: { ...latencies(quiet.value), rssMb: quiet.rssMb },
      attacks,
    })}\n`,
  )
  await device.endAsync(true)
  gw.child.kill('SIGTERM')
  await new Promise((r) => gw.child.once('exit', r))
  rmSync(dataDir, { recursive: true, force: true })
}

await main()
