import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

let dir = ''
const pem = { cert: '', key: '' }

beforeAll(() => {
  // A short-lived self-signed certificate for the loopback address, made fresh for this run.
  dir = mkdtempSync(join(tmpdir(), 'care-broker-tls-'))
  pem.cert = join(dir, 'gateway.crt')
  pem.key = join(dir, 'gateway.key')
  const subject = ['-subj', '/CN=care-gateway-test', '-addext', 'subjectAltName=IP:127.0.0.1']
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  execFileSync(
    'openssl',
    ['req', '-x509', ...key, '-days', '2', ...subject, '-keyout', pem.key, '-out', pem.cert],
    {
      stdio: 'pipe',
    },
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const running: World[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()))
})

async function tlsGateway(env: Record<string, string> = {}): Promise<World> {
  const w = await startWorld({
    env: { CARE_TLS_CERT: pem.cert, CARE_TLS_KEY: pem.key, CARE_MQTTS_PORT: '0', ...env },
  })
  running.push(w)
  await w.elder('E01')
  await w.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
  return w
}

function mqttsUrl(w: World): string {
  const port = w.app.surface.ports.mqtts
  if (!port) throw new Error('no TLS listener')
  return `mqtts://127.0.0.1:${port}`
}

/** The device's SOS over a given transport, answered by `received` on its notify. */
async function sosOver(w: World, url: string, options: IClientOptions): Promise<Record<string, unknown>> {
  const device = await TestClient.connect(url, 'D01', 'secret-D01', options)
  w.clients.push(device)
  expect(await device.subscribe(topics.deviceNotify('D01'))).toEqual([1])
  await device.publish(topics.deviceUplink('D01', 'sos'), { id: 'tls-1', ts: w.clock.now() })
  const notify = await device.next((r) => r.message.state === 'received', 5_000, 'received')
  return notify.message
}

/** How a connection attempt ended: 'connected', a CONNACK code, or the transport's error code. */
function attempt(url: string, options: IClientOptions): Promise<string | number> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options })
  return new Promise((resolve) => {
    const done = (outcome: string | number) => {
      client.end(true)
      resolve(outcome)
    }
    client.once('connect', () => done('connected'))
    client.once('error', (error) => done((error as { code?: string | number }).code ?? error.message))
    client.once('close', () => done('closed'))
  })
}

describe('MQTT over TLS', () => {
  it('carries an SOS to `received` for a client that trusts the certificate', async () => {
    const w = await tlsGateway()
    const { mqtt: plain, mqtts } = w.app.surface.ports
    expect(mqtts).toBeGreaterThan(0)
    expect(plain).not.toBe(mqtts)
    const notify = await sosOver(w, mqttsUrl(w), { ca: readFileSync(pem.cert) })
    expect(notify).toMatchObject({ state: 'received', alarmId: expect.any(String) })
  })

  it('also accepts a client that skips verification', async () => {
    const w = await tlsGateway()
    const notify = await sosOver(w, mqttsUrl(w), { rejectUnauthorized: false })
    expect(notify.state).toBe('received')
  })

  it('applies the same credentials check behind TLS', async () => {
    const w = await tlsGateway()
    const outcome = await attempt(mqttsUrl(w), {
      username: 'D01',
      password: 'wrong',
      rejectUnauthorized: false,
    })
    expect(outcome).toBe(4)
    expect(w.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'bad_credentials' })).toBe(1)
  })

  it('is not fooled by clients that cannot speak TLS or do not trust it, and keeps serving', async () => {
    const w = await tlsGateway()
    // a client with no trust anchor for a self-signed certificate gives up during the handshake
    expect(await attempt(mqttsUrl(w), { username: 'D01', password: 'secret-D01' })).toBe(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    )
    // plain MQTT sent to the TLS port goes nowhere
    const port = w.app.surface.ports.mqtts ?? 0
    expect(await attempt(`mqtt://127.0.0.1:${port}`, { username: 'D01', password: 'secret-D01' })).not.toBe(
      'connected',
    )
    const notify = await sosOver(w, mqttsUrl(w), { ca: readFileSync(pem.cert) })
    expect(notify.state).toBe('received')
  })

  it('can run with the plain listener off, TLS alone', async () => {
    const w = await tlsGateway({ CARE_MQTT_PLAIN: 'off' })
    expect(w.app.surface.ports.mqtt).toBeUndefined()
    expect(w.app.surface.ports.mqtts).toBeGreaterThan(0)
    const notify = await sosOver(w, mqttsUrl(w), { rejectUnauthorized: false })
    expect(notify.state).toBe('received')
  })
})
