import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { type Received, TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset } from '../support/world.ts'

/**
 * contract: offers survive dropped connections and restarts. The broker keeps
 * queued QoS 1 downlinks in memory only, so the gateway itself gives a carer
 * their open work again when the phone subscribes after a restart.
 */

const dirs: string[] = []
const running: ChildGateway[] = []
const clients: TestClient[] = []

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
  await Promise.all(running.map((g) => g.stop()))
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A port free now, so that a restarted gateway answers where the phones reconnect. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function district(): Promise<{ env: Record<string, string>; start(): Promise<ChildGateway> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-reconnect-'))
  dirs.push(dataDir)
  const env = {
    CARE_DATA_DIR: dataDir,
    CARE_ADMIN_TOKEN: ADMIN_TOKEN,
    CARE_FLOWS: 'off',
    CARE_MQTT_PORT: String(await freePort()),
  }
  return {
    env,
    async start() {
      const gw = await spawnGateway(env)
      running.push(gw)
      return gw
    },
  }
}

async function api(gw: ChildGateway, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gw.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function provision(gw: ChildGateway, carers: string[]): Promise<void> {
  await api(gw, 'PUT', '/elders/E01', { name: '张秀英', home: HOME, phone: '13800000000' })
  await api(gw, 'PUT', '/devices/D01', { kind: 'terminal', elderId: 'E01', secret: 'secret-D01' })
  for (const [i, id] of carers.entries()) {
    const base = offset(HOME, 300 + 100 * i, 0)
    await api(gw, 'PUT', `/carers/${id}`, { name: `王芳${i}`, mode: 'ebike', secret: `secret-${id}`, base })
  }
}

async function connect(gw: ChildGateway, id: string, options: Parameters<typeof TestClient.connect>[3] = {}) {
  const client = await TestClient.connect(gw.mqttUrl, id, `secret-${id}`, options)
  clients.push(client)
  return client
}

async function onDuty(gw: ChildGateway, id: string): Promise<TestClient> {
  const carer = await connect(gw, id)
  await carer.subscribe(`care/v1/carer/${id}/task`)
  await carer.publish(`care/v1/carer/${id}/duty`, { status: 'on' })
  return carer
}

async function sos(gw: ChildGateway, press: string): Promise<string> {
  const device = await connect(gw, 'D01')
  await device.subscribe('care/v1/dev/D01/notify')
  await device.publish('care/v1/dev/D01/sos', { id: press, ts: Date.now() })
  const received = await device.next((r) => r.message.state === 'received')
  await device.end()
  return received.message.alarmId as string
}

const taskOf = (alarmId: string, action: string) => (r: Received) =>
  r.message.alarmId === alarmId && r.message.action === action

describe('a carer reconnecting after the gateway was killed', () => {
  it('gets again, on a clean session, the offer made while the phone was offline', async () => {
    const d = await district()
    const first = await d.start()
    await provision(first, ['C01'])
    const carer = await onDuty(first, 'C01')
    await carer.end() // the phone loses signal; duty stays on (contract)
    const alarmId = await sos(first, 'press-1')
    const offered = await api(first, 'GET', `/alarms/${alarmId}`)
    expect(offered.body.state).toBe('offered')

    await first.kill()
    const second = await d.start()
    const again = await connect(second, 'C01')
    const offer = again.next(taskOf(alarmId, 'offer'), 15_000)
    await again.subscribe('care/v1/carer/C01/task')
    const message = (await offer).message
    expect(message).toMatchObject({ alarmId, action: 'offer', elder: { id: 'E01', name: '张秀英' } })
    expect(message.expiresAt).toBeGreaterThan(Date.now() - 60_000)
    // and the offer is still theirs to take
    await again.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: Date.now() })
    await again.next(taskOf(alarmId, 'assigned'))
  })

  it('gets again, on a persistent session that reconnects by itself, the offer queued for it', async () => {
    const d = await district()
    const first = await d.start()
    await provision(first, ['C02'])
    const carer = await onDuty(first, 'C02')
    // a phone with a persistent session and automatic reconnects, as the carer app runs
    const phone = await connect(first, 'C02', { clientId: 'phone-C02', clean: false, reconnectPeriod: 100 })
    await phone.subscribe('care/v1/carer/C02/task')
    await carer.end()
    const firstOffer = await (async () => {
      const id = await sos(first, 'press-2')
      await phone.next(taskOf(id, 'offer'))
      return id
    })()
    const before = phone.received.filter((r) => r.message.alarmId === firstOffer).length

    await first.kill()
    await d.start()
    // mqtt.js reconnects to the same port and, finding no session, subscribes again
    await phone.next((r) => r.message.alarmId === firstOffer && phone.received.indexOf(r) >= before, 20_000)
    const again = phone.received.filter((r) => r.message.alarmId === firstOffer).slice(before)
    expect(again.map((r) => r.message.action)).toEqual(['offer'])
  })

  it('gets back the alarm it holds, with its state, and not offers it no longer has', async () => {
    const d = await district()
    const first = await d.start()
    await provision(first, ['C03', 'C04'])
    const holder = await onDuty(first, 'C03')
    const other = await onDuty(first, 'C04')
    const alarmId = await sos(first, 'press-3')
    await holder.next(taskOf(alarmId, 'offer'))
    await other.next(taskOf(alarmId, 'offer'))
    await holder.publish('care/v1/carer/C03/reply', { alarmId, action: 'accept', ts: Date.now() })
    await holder.next(taskOf(alarmId, 'assigned'))
    await other.next(taskOf(alarmId, 'withdrawn'))

    await first.kill()
    const second = await d.start()
    const holderAgain = await connect(second, 'C03')
    const assigned = holderAgain.next(taskOf(alarmId, 'assigned'), 15_000)
    await holderAgain.subscribe('care/v1/carer/C03/task')
    expect((await assigned).message).toMatchObject({ alarmId, action: 'assigned', elder: { id: 'E01' } })

    // the carer whose offer was withdrawn gets nothing for it: proven after a round trip of its own
    const otherAgain = await connect(second, 'C04')
    await otherAgain.subscribe('care/v1/carer/C04/task')
    await otherAgain.publish('care/v1/carer/C04/duty', { status: 'on' })
    const tasks = await api(second, 'GET', '/carers/C04/tasks')
    expect(tasks.body.items).toEqual([])
    expect(otherAgain.received.filter((r) => r.message.alarmId === alarmId)).toEqual([])
  })
})
