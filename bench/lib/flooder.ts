/**
 * A misbehaving device, in its own process: publishes `loc` as fast as the
 * socket takes it, and reconnects whenever the gateway throws it out.
 * argv: mqttUrl deviceId secret seconds. Prints one JSON line when done.
 */
import mqtt from 'mqtt'

const [url = '', id = '', secret = '', seconds = '10'] = process.argv.slice(2)
const until = Date.now() + Number(seconds) * 1000
let sent = 0
let connects = 0
let disconnects = 0
const payload = JSON.stringify({ ts: Date.now(), lat: 37.3835, lon: 117.9707, acc: 10 })

const client = mqtt.connect(url, {
  username: id,
  password: secret,
  reconnectPeriod: 100,
  clientId: `flood-${id}`,
})
client.on('connect', () => {
  connects++
  const burst = () => {
    if (!client.connected || Date.now() > until) return
    for (let i = 0; i < 200; i++) client.publish(`care/v1/dev/${id}/loc`, payload, { qos: 0 })
    sent += 200
    setImmediate(burst)
  }
  burst()
})
client.on('close', () => {
  disconnects++
})
setTimeout(() => {
  client.end(true)
  process.stdout.write(`${JSON.stringify({ sent, connects, disconnects, seconds: Number(seconds) })}\n`)
  process.exit(0)
}, Number(seconds) * 1000)
