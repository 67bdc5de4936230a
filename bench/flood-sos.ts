/**
 * Others' SOS latency while one device floods (issue: floods and slow
 * clients). The gateway and the flooder run as separate processes; this
 * process is the well-behaved elder pressing SOS. Prints one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'

const ROOT = join(import.meta.dirname, '..')
const TOKEN = 'bench-admin-token-0123456789'
const PRESSES = Number(process.env.BENCH_SOS ?? 300)
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 15)

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

/** One elder presses SOS `n` times (a new alarm each: the last one is resolved first). */
async function presses(http: string, device: MqttClient, n: number, tag: string): Promise<number[]> {
  const latencies: number[] = []
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
    device.publish('care/v1/dev/B0001/sos', JSON.stringify({ id: `${tag}${i}`, ts: Date.now() }), { qos: 1 })
    const alarmId = await got
    latencies.push(performance.now() - t0)
    await fetch(`${http}/api/v1/alarms/${alarmId}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'resolve', outcome: 'false_alarm' }),
    })
  }
  return latencies.sort((a, b) => a - b)
}

const pct = (s: number[], p: number) =>
  Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0) * 100) / 100

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-flood-'))
  const gw = await startGateway(dataDir)
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

  const quiet = await presses(gw.http, device, PRESSES, 'q')
  const flooder = spawn(
    process.execPath,
    [join(ROOT, 'bench', 'lib', 'flooder.ts'), gw.mqtt, 'F0001', 'secret-F0001', String(FLOOD_S)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let floodOut = ''
  flooder.stdout?.on('data', (d: Buffer) => {
    floodOut += d.toString()
  })
  await new Promise((r) => setTimeout(r, 1_000))
  const flooded = await presses(gw.http, device, PRESSES, 'f')
  await new Promise<void>((r) => flooder.once('exit', () => r()))
  const metrics = await (
    await fetch(`${gw.http}/api/v1/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).text()
  const metric = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(metrics)?.[1] ?? 0)
  const flood = JSON.parse(floodOut.trim() || '{}') as { sent?: number; connects?: number; seconds?: number }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'flood-sos',
      node: process.version,
      presses: PRESSES,
      quietMs: { p50: pct(quiet, 50), p99: pct(quiet, 99), max: pct(quiet, 100) },
      floodedMs: { p50: pct(flooded, 50), p99: pct(flooded, 99), max: pct(flooded, 100) },
      flooder: {
        offeredPerS: Math.round((flood.sent ?? 0) / (flood.seconds ?? 1)),
        connects: flood.connects,
        throttled: metric('care_mqtt_throttled_total'),
        disconnectedForRate: metric('care_mqtt_refused_total'),
      },
    })}\n`,
  )
  await device.endAsync(true)
  gw.child.kill('SIGTERM')
  await new Promise((r) => gw.child.once('exit', r))
  rmSync(dataDir, { recursive: true, force: true })
}

await main()
