import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const certDir = mkdtempSync(join(tmpdir(), 'care-tls-'))
const cert = join(certDir, 'cert.pem')
const key = join(certDir, 'key.pem')
// A throwaway self-signed certificate for 127.0.0.1, made by the test itself.
execFileSync(
  'openssl',
  ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]),
  { stdio: 'ignore' },
)

const worlds: World[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()))
})
afterAll(() => rmSync(certDir, { recursive: true, force: true }))

async function sosRoundTrip(w: World, url: string, options: Parameters<typeof TestClient.connect>[3] = {}) {
  await w.elder('E01')
  await w.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
  const device = await TestClient.connect(url, 'D01', 'secret-D01', options)
  w.clients.push(device)
  await device.subscribe('care/v1/dev/D01/notify')
  await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: w.clock.now() })
  return device.next((r) => r.message.state === 'received')
}

describe('MQTT transports', () => {
  it('serves MQTT over TLS with a configured certificate', async () => {
    const w = await startWorld({ env: { CARE_TLS_CERT: cert, CARE_TLS_KEY: key, CARE_MQTTS_PORT: '0' } })
    worlds.push(w)
    const port = w.app.broker.ports.mqtts
    expect(port).toBeGreaterThan(0)
    const received = await sosRoundTrip(w, `mqtts://127.0.0.1:${port}`, { ca: readFileSync(cert) })
    expect(received.message.state).toBe('received')
  })

  it('can switch the plain listener off and keep TLS', async () => {
    const w = await startWorld({
      env: { CARE_TLS_CERT: cert, CARE_TLS_KEY: key, CARE_MQTTS_PORT: '0', CARE_MQTT_PLAIN: 'off' },
    })
    worlds.push(w)
    expect(w.app.broker.ports.mqtt).toBeUndefined()
    const received = await sosRoundTrip(w, `mqtts://127.0.0.1:${w.app.broker.ports.mqtts}`, {
      ca: readFileSync(cert),
    })
    expect(received.message.state).toBe('received')
  })

  it('serves MQTT over WebSocket at /mqtt on the HTTP port', async () => {
    const w = await startWorld()
    worlds.push(w)
    const received = await sosRoundTrip(w, `ws://127.0.0.1:${w.app.httpPort}/mqtt`)
    expect(received.message.state).toBe('received')
  })
})
