/**
 * Device load generator, in its own process: connects `count` devices
 * `{prefix}{from + i}` (password `secret-{id}`, or none with `anon`),
 * 200 connection attempts in flight, spread over `sources` loopback source
 * addresses (127.0.0.2 …) so that tens of thousands of connections never run out of
 * ephemeral ports. Prints `connected N failed F`, then obeys stdin lines:
 *   `rate R`  send `loc` (QoS 0) at R msgs/s in total, round robin over the devices
 *   `report`  print a JSON line of counters so far
 *   `quit`    (or SIGTERM) disconnect, print the final JSON line, exit
 * argv: mqttUrl prefix from count [sources=4] [anon].
 *
 * Sending is paced every 5 ms. A `loc` is encoded once per message (fresh
 * `ts`) and written straight to the device's socket; a device whose socket
 * holds more than 64 KiB unsent (the server is not reading) skips its turn,
 * counted in `blocked`: offered but never sent.
 */
import { createConnection } from 'node:net'
import { createInterface } from 'node:readline'
import { MqttClient } from 'mqtt'
import { generate } from 'mqtt-packet'

const [url = '', prefix = 'D', fromArg = '0', countArg = '100', sourcesArg = '4', anon = ''] =
  process.argv.slice(2)
const target = new URL(url)
const port = Number(target.port || 1883)
const host = target.hostname
const from = Number(fromArg)
const count = Number(countArg)
const sources = Math.max(1, Number(sourcesArg))

interface Device {
  id: string
  client: MqttClient
  socket: { write(b: Buffer): boolean; writableLength: number; destroyed: boolean }
  topic: string
  lat: number
  lon: number
}

const devices: Device[] = []
let failed = 0
let closed = 0

function connect(id: string, i: number): Promise<Device> {
  const localAddress = `127.0.0.${2 + (i % sources)}`
  let socket: Device['socket'] | undefined
  const client = new MqttClient(
    () => {
      const s = createConnection({ host, port, localAddress })
      s.setNoDelay(true)
      socket = s
      return s
    },
    {
      clientId: id,
      ...(anon ? {} : { username: id, password: `secret-${id}` }),
      reconnectPeriod: 0,
      keepalive: 600,
      connectTimeout: 120_000,
      protocolVersion: 4,
    },
  )
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.on('close', () => closed++)
      resolve({
        id,
        client,
        socket: socket as Device['socket'],
        topic: `care/v1/dev/${id}/loc`,
        lat: 37.77 + ((i % 100) - 50) * 3e-4,
        lon: 117.62 + ((Math.floor(i / 100) % 100) - 50) * 3e-4,
      })
    })
    client.once('error', (e) => {
      client.end(true)
      reject(e)
    })
    // a server out of file descriptors closes the socket without a word
    client.once('close', () => reject(new Error('closed before CONNACK')))
  })
}

const t0 = performance.now()
for (let i = 0; i < count; i += 200) {
  const batch: Promise<void>[] = []
  for (let k = i; k < Math.min(count, i + 200); k++) {
    batch.push(
      connect(`${prefix}${from + k}`, k).then(
        (d) => {
          devices.push(d)
        },
        () => {
          failed++
        },
      ),
    )
  }
  await Promise.all(batch)
}
const connectS = (performance.now() - t0) / 1000
process.stdout.write(`connected ${devices.length} failed ${failed}\n`)

let rate = 0
let sent = 0
let blocked = 0
let sentAtRate = 0
let rateSince = performance.now()
let next = 0

function counters() {
  let backlogBytes = 0
  for (const d of devices) backlogBytes += d.socket.writableLength
  return {
    connected: devices.length,
    failed,
    closed,
    connectS: Math.round(connectS * 10) / 10,
    sent,
    blocked,
    backlogBytes,
  }
}

function send(d: Device): void {
  const payload = `{"ts":${Date.now()},"lat":${d.lat},"lon":${d.lon},"acc":15}`
  const packet = generate({
    cmd: 'publish',
    topic: d.topic,
    payload,
    qos: 0,
    retain: false,
    dup: false,
  })
  d.socket.write(packet)
}

const pace = setInterval(() => {
  if (rate <= 0 || devices.length === 0) return
  const due = Math.floor(((performance.now() - rateSince) / 1000) * rate) - sentAtRate
  for (let k = 0; k < due; k++) {
    const d = devices[next++ % devices.length] as Device
    sentAtRate++
    if (d.socket.destroyed || d.socket.writableLength > 65_536) {
      blocked++
      continue
    }
    send(d)
    sent++
  }
}, 5)

let quitting = false
async function quit(): Promise<void> {
  if (quitting) return
  quitting = true
  clearInterval(pace)
  const final = counters()
  await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)))
  process.stdout.write(`${JSON.stringify(final)}\n`)
  process.exit(0)
}

process.once('SIGTERM', () => void quit())
const commands = createInterface({ input: process.stdin })
// the bench that drives this process is gone: do not linger with thousands of connections
commands.on('close', () => void quit())
commands.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/)
  if (cmd === 'rate') {
    rate = Number(arg)
    sentAtRate = 0
    rateSince = performance.now()
  } else if (cmd === 'report') {
    process.stdout.write(`${JSON.stringify(counters())}\n`)
  } else if (cmd === 'quit') {
    void quit()
  }
})
