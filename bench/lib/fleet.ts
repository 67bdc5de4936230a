/**
 * A fleet of devices that behave like the real ones when a node dies, in its own process:
 * `count` devices `{prefix}{from + i}` (password `secret-{id}`) connect with clean sessions,
 * 200 connection attempts in flight over 4 loopback source addresses, each subscribing to its own
 * `notify` topic as a phone or terminal does. A device whose connection closes tries again after a
 * random wait of up to `reconnectMs` (so a node's devices do not all knock in the same
 * millisecond), and again after each failed attempt. Prints `connected N failed F` once every
 * device connected or gave up its first 120 s, then obeys stdin lines, answering each with a JSON line:
 *   `rate R`  send `loc` (QoS 0) at R msgs/s in total, round robin over the connected devices
 *   `mark`    forget the drops so far: `report` then tells of drops after this moment only
 *   `report`  counters, and for each device that dropped since the mark, [dropped at, back at,
 *             when the attempt that brought it back began] in wall-clock ms (back at is 0 while
 *             it is still away)
 *   `quit`    disconnect and exit
 * argv: mqttUrl prefix from count reconnectMs.
 */
import { createConnection, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { MqttClient } from 'mqtt'
import { generate } from 'mqtt-packet'
import { topics } from '../../kernel/contract/topics.ts'

const [url = '', prefix = 'D', fromArg = '0', countArg = '100', reconnectArg = '1000'] = process.argv.slice(2)
const target = new URL(url)
const port = Number(target.port || 1883)
const host = target.hostname
const from = Number(fromArg)
const count = Number(countArg)
const reconnectMs = Number(reconnectArg)
const SOURCES = 4
const FIRST_CONNECT_MS = 120_000

interface Device {
  id: string
  index: number
  client: MqttClient | undefined
  socket: Socket | undefined
  /** First drop after the mark, wall clock. */
  droppedAt: number | undefined
  /** Latest connect after that drop. */
  backAt: number | undefined
  /** When the attempt that connected it began (so the wait for the server is told from the device's own). */
  triedAt: number
  /** When the current attempt began. */
  attemptAt: number
  first: (() => void) | undefined
}

let quitting = false
let attempts = 0
let refused = 0
let drops = 0
let sent = 0
let blocked = 0

function attempt(d: Device): void {
  if (quitting) return
  attempts++
  d.attemptAt = Date.now()
  let socket: Socket | undefined
  const client = new MqttClient(
    () => {
      socket = createConnection({ host, port, localAddress: `127.0.0.${2 + (d.index % SOURCES)}` })
      socket.setNoDelay(true)
      return socket
    },
    {
      clientId: d.id,
      username: d.id,
      password: `secret-${d.id}`,
      clean: true,
      reconnectPeriod: 0,
      keepalive: 120,
      connectTimeout: 10_000,
      protocolVersion: 4,
    },
  )
  // a refused or broken attempt ends in `close`, which is where it is handled
  client.on('error', () => undefined)
  client.once('connect', () => {
    d.client = client
    d.socket = socket
    if (d.droppedAt !== undefined) {
      d.backAt = Date.now()
      d.triedAt = d.attemptAt
    }
    client.subscribe(topics.deviceNotify(d.id), { qos: 1 })
    d.first?.()
    d.first = undefined
  })
  client.once('close', () => {
    client.end(true)
    if (quitting) return
    if (d.client === client) {
      d.client = undefined
      d.socket = undefined
      drops++
      if (d.droppedAt === undefined) d.droppedAt = Date.now()
      d.backAt = undefined
    } else {
      refused++
    }
    setTimeout(() => attempt(d), Math.random() * reconnectMs)
  })
}

const devices: Device[] = Array.from({ length: count }, (_, i) => ({
  id: `${prefix}${from + i}`,
  index: i,
  client: undefined,
  socket: undefined,
  droppedAt: undefined,
  backAt: undefined,
  triedAt: 0,
  attemptAt: 0,
  first: undefined,
}))
for (let i = 0; i < count; i += 200) {
  await Promise.all(
    devices.slice(i, i + 200).map(
      (d) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FIRST_CONNECT_MS)
          d.first = () => {
            clearTimeout(timer)
            resolve()
          }
          attempt(d)
        }),
    ),
  )
}
const up = () => devices.filter((d) => d.client !== undefined).length
process.stdout.write(`connected ${up()} failed ${count - up()}\n`)

let rate = 0
let due = 0
let since = performance.now()
let next = 0
setInterval(() => {
  if (rate <= 0) return
  const owed = Math.floor(((performance.now() - since) / 1000) * rate) - due
  for (let k = 0; k < owed; k++) {
    due++
    const d = devices[next++ % devices.length] as Device
    const socket = d.socket
    if (!socket || socket.destroyed || socket.writableLength > 65_536) {
      blocked++
      continue
    }
    const lat = (37.77 + ((d.index % 100) - 50) * 3e-4).toFixed(6)
    const lon = (117.62 + ((Math.floor(d.index / 100) % 100) - 50) * 3e-4).toFixed(6)
    const payload = `{"ts":${Date.now()},"lat":${lat},"lon":${lon},"acc":15}`
    socket.write(
      generate({
        cmd: 'publish',
        topic: topics.deviceUplink(d.id, 'loc'),
        payload,
        qos: 0,
        retain: false,
        dup: false,
      }),
    )
    sent++
  }
}, 5)

const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

function report() {
  const episodes = devices
    .filter((d) => d.droppedAt !== undefined)
    .map((d) => [d.droppedAt, d.client ? (d.backAt ?? 0) : 0, d.triedAt])
  return { devices: count, up: up(), attempts, refused, drops, sent, blocked, episodes }
}

async function quit(): Promise<void> {
  if (quitting) return
  quitting = true
  answer(report())
  await Promise.all(devices.map((d) => d.client?.endAsync(true).catch(() => undefined)))
  process.exit(0)
}

process.once('SIGTERM', () => void quit())
const commands = createInterface({ input: process.stdin })
// the benchmark driving this process is gone: do not linger with its connections
commands.on('close', () => void quit())
commands.on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/)
  if (command === 'rate') {
    rate = Number(arg)
    due = 0
    since = performance.now()
    answer({ rate })
  } else if (command === 'mark') {
    for (const d of devices) {
      d.droppedAt = undefined
      d.backAt = undefined
    }
    answer({ marked: Date.now() })
  } else if (command === 'report') {
    answer(report())
  } else if (command === 'quit') {
    void quit()
  }
})
