/**
 * A misbehaving client, in its own process, for `bench/flood-sos.ts`.
 * argv: mqttUrl deviceId secret seconds mode [window]. Modes:
 * - `qos0`: publishes `loc` at QoS 0 as fast as the socket takes it;
 * - `qos1`: publishes `loc` at QoS 1 as fast as PUBACKs allow, keeping
 *   `window` unacknowledged (a device uploading a backlog that never ends);
 * - `memory`: `window` raw sockets that, before any CONNECT, announce a
 *   256 MiB PUBLISH and stream zeros after it.
 * Each reconnects whenever the gateway throws it out. Prints one JSON line when done.
 */
import { connect as tcpConnect } from 'node:net'
import mqtt from 'mqtt'

const [url = '', id = '', secret = '', seconds = '10', mode = 'qos0', windowArg = '1000'] =
  process.argv.slice(2)
const window = Number(windowArg)
const until = Date.now() + Number(seconds) * 1000
const counts = { sent: 0, acked: 0, connects: 0, disconnects: 0, bytes: 0 }
const payload = JSON.stringify({ ts: Date.now(), lat: 37.3835, lon: 117.9707, acc: 10 })
const running = () => Date.now() < until

function mqttFlood(qos: 0 | 1): () => void {
  const client = mqtt.connect(url, {
    username: id,
    password: secret,
    reconnectPeriod: 100,
    clientId: `flood-${id}`,
  })
  let inFlight = 0
  const topic = `care/v1/dev/${id}/loc`
  const more = () => {
    if (!client.connected || !running()) return
    if (qos === 0) {
      for (let i = 0; i < 200; i++) client.publish(topic, payload, { qos: 0 })
      counts.sent += 200
      setImmediate(more)
      return
    }
    while (inFlight < window && client.connected && running()) {
      inFlight++
      counts.sent++
      client.publish(topic, payload, { qos: 1 }, (error) => {
        inFlight--
        if (!error) counts.acked++
        if (inFlight < window / 2) more()
      })
    }
  }
  client.on('connect', () => {
    counts.connects++
    more()
  })
  client.on('close', () => {
    counts.disconnects++
  })
  return () => client.end(true)
}

/** 0x30 PUBLISH, remaining length 268,435,455 (the most MQTT can say): 256 MiB announced before any CONNECT. */
const HUGE_PUBLISH = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])
const ZEROS = Buffer.alloc(64 * 1024)

function memoryFlood(): () => void {
  const { hostname, port } = new URL(url)
  const sockets = new Set<ReturnType<typeof tcpConnect>>()
  const open = () => {
    if (!running()) return
    const socket = tcpConnect(Number(port), hostname)
    sockets.add(socket)
    socket.on('error', () => undefined)
    const stream = () => {
      while (running() && !socket.destroyed) {
        counts.bytes += ZEROS.length
        if (!socket.write(ZEROS)) return void socket.once('drain', stream)
      }
    }
    socket.on('connect', () => {
      counts.connects++
      socket.write(HUGE_PUBLISH)
      stream()
    })
    socket.on('close', () => {
      counts.disconnects++
      sockets.delete(socket)
      setTimeout(open, 10)
    })
  }
  for (let i = 0; i < window; i++) open()
  return () => {
    for (const socket of sockets) socket.destroy()
  }
}

const stop = mode === 'memory' ? memoryFlood() : mqttFlood(mode === 'qos1' ? 1 : 0)
setTimeout(() => {
  stop()
  process.stdout.write(`${JSON.stringify({ mode, ...counts, seconds: Number(seconds) })}\n`)
  process.exit(0)
}, Number(seconds) * 1000)
