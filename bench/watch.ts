/**
 * "3G" watches against the whole gateway (its own process, CARE_WATCH_PORT on):
 * - the decoder alone, frames/s (a mix of heartbeats, fixes, alarms and vitals);
 * - BENCH_WATCHES connections held, logged in, and the gateway's memory per connection;
 * - fixes through the whole path (decode, validate, last position, batch), frames/s;
 * - SOS latency, an `AL` frame → a carer receives the offer, beside the MQTT path's
 *   (`sos` PUBLISH → offer), interleaved in the same run, BENCH_WATCH_SOS of each.
 * Prints one JSON line.
 */
import { connect, type Socket } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { decodeFrame } from '../broker/watch/threeg/decode.ts'
import { BracketSplitter } from '../broker/watch/threeg/frames.ts'
import { startGateway } from './suite/gateway.ts'
import { procRss } from './suite/servers.ts'
import { percentile, round } from './suite/stats.ts'

const WATCHES = Number(process.env.BENCH_WATCHES ?? 2_000)
const SOS = Math.min(Number(process.env.BENCH_WATCH_SOS ?? 200), WATCHES)
const FIXES_PER_WATCH = Number(process.env.BENCH_WATCH_FIXES ?? 50)
const DECODE_S = Number(process.env.BENCH_DECODE_S ?? 2)
const CARERS = 50
const HOME = { lat: 37.3835, lon: 117.9707 }

const two = (n: number) => String(n).padStart(2, '0')
const watchId = (i: number) => `8635${String(i).padStart(11, '0')}`
const terminalId = (i: number) => `DM${String(i).padStart(5, '0')}`
const carerId = (i: number) => `C${String(i).padStart(3, '0')}`

function near(i: number, spreadM: number): { lat: number; lon: number } {
  const angle = (i * 137.5 * Math.PI) / 180
  const r = spreadM * Math.sqrt((i % 97) / 97)
  return { lat: HOME.lat + (r * Math.cos(angle)) / 111_320, lon: HOME.lon + (r * Math.sin(angle)) / 88_400 }
}

function frame(id: string, content: string): Buffer {
  const body = Buffer.from(content)
  return Buffer.concat([
    Buffer.from(`[3G*${id}*${body.length.toString(16).toUpperCase().padStart(4, '0')}*`),
    body,
    Buffer.from(']'),
  ])
}

function position(type: string, at: number, p: { lat: number; lon: number }, status: string): string {
  const d = new Date(at)
  const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`
  const time = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`
  return [type, date, time, 'A', p.lat.toFixed(6), 'N', p.lon.toFixed(6), 'E', '0.00', '0.0', '0.0', '7']
    .concat(['100', '80', '1200', '0', status, '1', '0', '460', '0', '9360', '4082', '-71', '0'])
    .join(',')
}

/** The decoder alone over a mix of frames, as the splitter hands them over. */
function decodeRate(): { framesPerS: number; streamFramesPerS: number } {
  const now = Date.now()
  const corpus = Array.from({ length: 1_000 }, (_, i) => {
    const id = watchId(i)
    const kind = i % 10
    if (kind < 4) return frame(id, 'LK,1200,0,80')
    if (kind < 8) return frame(id, position('UD', now - i * 1_000, near(i, 2_000), '00000000'))
    if (kind < 9) return frame(id, position('AL', now - i * 1_000, near(i, 2_000), '00010000'))
    return frame(id, 'heart,78')
  })
  const inner = corpus.map((f) => f.subarray(1, f.length - 1))
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < DECODE_S * 1_000) {
    for (const f of inner) decodeFrame(f, now)
    n += inner.length
  }
  const framesPerS = n / ((performance.now() - t0) / 1_000)
  // the same frames as a byte stream in 1,460-byte reads (a TCP segment): splitter and decoder
  const stream = Buffer.concat(corpus)
  let m = 0
  const t1 = performance.now()
  while (performance.now() - t1 < DECODE_S * 1_000) {
    const splitter = new BracketSplitter(65_536)
    for (let i = 0; i < stream.length; i += 1_460) {
      for (const f of splitter.push(stream.subarray(i, i + 1_460)).frames) decodeFrame(f, now)
    }
    m += corpus.length
  }
  return {
    framesPerS: Math.round(framesPerS),
    streamFramesPerS: Math.round(m / ((performance.now() - t1) / 1_000)),
  }
}

/** A bench watch: a socket, and a wait for the next reply of a type. */
class Watch {
  readonly id: string
  readonly socket: Socket
  #text = ''
  readonly #waits: { type: string; resolve: () => void }[] = []

  constructor(id: string, socket: Socket) {
    this.id = id
    this.socket = socket
    socket.on('data', (d: Buffer) => {
      this.#text += d.toString('latin1')
      for (let end = this.#text.indexOf(']'); end >= 0; end = this.#text.indexOf(']')) {
        const content = this.#text.slice(0, end).split('*').slice(3).join('*')
        this.#text = this.#text.slice(end + 1)
        const type = content.split(',')[0] ?? ''
        const at = this.#waits.findIndex((w) => w.type === type)
        if (at >= 0) this.#waits.splice(at, 1)[0]?.resolve()
      }
    })
  }

  static open(port: number, id: string): Promise<Watch> {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true })
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new Watch(id, socket)))
      socket.once('error', reject)
    })
  }

  reply(type: string): Promise<void> {
    return new Promise((resolve) => this.#waits.push({ type, resolve }))
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames))
  }
}

function mqttConnect(url: string, id: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username: id, password: `secret-${id}`, reconnectPeriod: 0 })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

async function main(): Promise<void> {
  const decode = decodeRate()
  const gw = await startGateway({ env: { CARE_WATCH_PORT: '0', CARE_LOG_LEVEL: 'warn' } })
  const port = Number(/Watches\s+tcp:\/\/[^:\s]+:(\d+)/.exec(gw.child.output())?.[1])
  const elders = [
    ...Array.from({ length: WATCHES }, (_, i) => ({ id: `EW${i}`, name: `老人${i}`, home: near(i, 2_500) })),
    ...Array.from({ length: SOS }, (_, i) => ({ id: `EM${i}`, name: `老人M${i}`, home: near(i, 2_500) })),
  ]
  const devices = [
    ...Array.from({ length: WATCHES }, (_, i) => ({
      id: watchId(i),
      kind: 'watch',
      elderId: `EW${i}`,
      secret: `secret-${watchId(i)}`,
    })),
    ...Array.from({ length: SOS }, (_, i) => ({
      id: terminalId(i),
      kind: 'terminal',
      elderId: `EM${i}`,
      secret: `secret-${terminalId(i)}`,
    })),
  ]
  const carers = Array.from({ length: CARERS }, (_, i) => ({
    id: carerId(i),
    name: `护理员${i}`,
    mode: 'ebike',
    secret: `secret-${carerId(i)}`,
    base: near(i, 3_000),
  }))
  await gw.provision({ elders, devices, carers })

  // offers by elder: the first offer of each alarm, when it reached a carer
  const offered = new Map<string, number>()
  const carerClients = await Promise.all(
    carers.map(async (c) => {
      const client = await mqttConnect(gw.child.mqttUrl, c.id)
      await client.subscribeAsync(`care/v1/carer/${c.id}/task`, { qos: 1 })
      await client.publishAsync(`care/v1/carer/${c.id}/duty`, JSON.stringify({ status: 'on' }), { qos: 1 })
      client.on('message', (_t, payload) => {
        const m = JSON.parse(payload.toString()) as { action: string; elder: { id: string } }
        if (m.action === 'offer' && !offered.has(m.elder.id)) offered.set(m.elder.id, performance.now())
      })
      return client
    }),
  )

  // connections held: every watch logged in by a heartbeat and answered
  const rss0 = await procRss(gw.child.pid)
  const t0 = performance.now()
  const watches: Watch[] = []
  for (let i = 0; i < WATCHES; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, WATCHES - i) }, (_, k) => Watch.open(port, watchId(i + k))),
    )
    await Promise.all(
      batch.map((w) => {
        const lk = w.reply('LK')
        w.send(frame(w.id, 'LK,0,0,90'))
        return lk
      }),
    )
    watches.push(...batch)
  }
  const connectS = (performance.now() - t0) / 1_000
  await new Promise((r) => setTimeout(r, 1_000))
  const rss1 = await procRss(gw.child.pid)

  // fixes through the whole path: every watch sends its fixes and a heartbeat behind them
  const t1 = performance.now()
  const now = Date.now()
  await Promise.all(
    watches.map((w, i) => {
      const fixes = Array.from({ length: FIXES_PER_WATCH }, (_, k) =>
        frame(w.id, position('UD', now - (FIXES_PER_WATCH - k) * 1_000, near(i + k, 2_500), '00000000')),
      )
      const lk = w.reply('LK')
      w.send(...fixes, frame(w.id, 'LK,0,0,90'))
      return lk
    }),
  )
  const ingestS = (performance.now() - t1) / 1_000

  // SOS: a watch's AL frame and an MQTT terminal's sos, in turn, each from its own elder
  const terminals = await Promise.all(
    Array.from({ length: SOS }, (_, i) => mqttConnect(gw.child.mqttUrl, terminalId(i))),
  )
  const watchMs: number[] = []
  const mqttMs: number[] = []
  const wait = async (elderId: string, sent: number, into: number[]) => {
    const deadline = performance.now() + 5_000
    while (!offered.has(elderId) && performance.now() < deadline) await new Promise((r) => setImmediate(r))
    const at = offered.get(elderId)
    if (at !== undefined) into.push(at - sent)
  }
  for (let i = 0; i < SOS; i++) {
    const w = watches[i] as Watch
    const alarmAt = Date.now() - 1_000
    const sentW = performance.now()
    w.send(frame(w.id, position('AL', alarmAt, near(i, 2_500), '00010000')))
    await wait(`EW${i}`, sentW, watchMs)
    const sentM = performance.now()
    terminals[i]?.publish(
      `care/v1/dev/${terminalId(i)}/sos`,
      JSON.stringify({ id: `s${i}`, ts: Date.now() }),
      { qos: 1 },
    )
    await wait(`EM${i}`, sentM, mqttMs)
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return {
      p50: round(percentile(s, 50)),
      p99: round(percentile(s, 99)),
      max: round(s.at(-1) ?? 0),
      n: s.length,
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'watch',
      node: process.version,
      decode,
      watches: WATCHES,
      connectS: round(connectS, 1),
      rssPerWatchKB: round((rss1 - rss0) / Math.max(1, WATCHES) / 1024, 1),
      gatewayFixesPerS: Math.round((WATCHES * (FIXES_PER_WATCH + 1)) / ingestS),
      sosToOfferMs: { watch: stats(watchMs), mqtt: stats(mqttMs) },
    })}\n`,
  )
  for (const w of watches) w.socket.destroy()
  await Promise.all([...carerClients, ...terminals].map((c) => c.endAsync(true)))
  await gw.child.stop()
}

await main()
