import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { type Received, TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset } from '../support/world.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'care-crash-'))
const env = { CARE_DATA_DIR: dataDir, CARE_ADMIN_TOKEN: ADMIN_TOKEN, CARE_FLOWS: 'off' }
const running: ChildGateway[] = []
const clients: TestClient[] = []

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
  await Promise.all(running.map((g) => g.stop()))
  rmSync(dataDir, { recursive: true, force: true })
})

async function api(gw: ChildGateway, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gw.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function connect(gw: ChildGateway, id: string, subscribe: string): Promise<TestClient> {
  const client = await TestClient.connect(gw.mqttUrl, id, `secret-${id}`)
  await client.subscribe(subscribe)
  clients.push(client)
  return client
}

const task = (action: string) => (r: Received) => r.message.action === action

describe('a crash after the elder heard “received”', () => {
  it('keeps the alarm and its deadlines, and a carer can still accept it', async () => {
    const first = await spawnGateway(env)
    running.push(first)
    await api(first, 'PUT', '/elders/E01', { name: '张秀英', home: HOME, phone: '13800000000' })
    await api(first, 'PUT', '/devices/D01', { kind: 'terminal', elderId: 'E01', secret: 'secret-D01' })
    const base = offset(HOME, 400, 0)
    await api(first, 'PUT', '/carers/C01', { name: '王芳', mode: 'ebike', secret: 'secret-C01', base })
    const carer = await connect(first, 'C01', 'care/v1/carer/C01/task')
    await carer.publish('care/v1/carer/C01/duty', { status: 'on' })
    await carer.publish('care/v1/carer/C01/loc', { ts: Date.now(), ...base })
    const device = await connect(first, 'D01', 'care/v1/dev/D01/notify')

    await device.publish('care/v1/dev/D01/sos', { id: 'press-1', ts: Date.now() })
    const received = await device.next((r) => r.message.state === 'received')
    const alarmId = received.message.alarmId as string
    const offer = await carer.next(task('offer'))
    const expiresAt = offer.message.expiresAt as number

    await first.kill()
    const second = await spawnGateway(env)
    running.push(second)

    const view = await api(second, 'GET', `/alarms/${alarmId}`)
    expect(view.body).toMatchObject({ id: alarmId, kind: 'sos', state: 'offered', escalated: false })
    const health = await api(second, 'GET', '/health')
    // the offer's expiry and the device's silence deadline are armed again
    expect(health.body.timers).toBeGreaterThanOrEqual(2)
    expect(health.body.openAlarms).toBe(1)

    const carerAgain = await connect(second, 'C01', 'care/v1/carer/C01/task')
    const tasks = await api(second, 'GET', '/carers/C01/tasks')
    expect(tasks.body.items).toEqual([expect.objectContaining({ alarmId, action: 'offer', expiresAt })])
    const deviceAgain = await connect(second, 'D01', 'care/v1/dev/D01/notify')
    await carerAgain.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: Date.now() })
    await carerAgain.next(task('assigned'))
    const assigned = await deviceAgain.next((r) => r.message.state === 'assigned')
    expect(assigned.message).toMatchObject({ alarmId, carer: { name: '王芳' } })

    // the retransmission of the same press after the restart opens nothing new
    await deviceAgain.publish('care/v1/dev/D01/sos', { id: 'press-1', ts: Date.now() })
    const list = await api(second, 'GET', '/alarms')
    expect(list.body.items).toHaveLength(1)
  }, 60_000)

  it('fires an offer’s expiry that was armed before the crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-crash-'))
    const quick = { ...env, CARE_DATA_DIR: dir, CARE_OFFER_TIMEOUT_S: '2' }
    try {
      const first = await spawnGateway(quick)
      running.push(first)
      await api(first, 'PUT', '/elders/E01', { name: '李桂兰', home: HOME })
      await api(first, 'PUT', '/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
      await api(first, 'PUT', '/carers/C01', { name: '刘强', mode: 'car', secret: 'secret-C01' })
      const carer = await connect(first, 'C01', 'care/v1/carer/C01/task')
      await carer.publish('care/v1/carer/C01/duty', { status: 'on' })
      await carer.publish('care/v1/carer/C01/loc', { ts: Date.now(), ...offset(HOME, 900, 0) })
      const device = await connect(first, 'D01', 'care/v1/dev/D01/notify')
      await device.publish('care/v1/dev/D01/sos', { id: 'p1', ts: Date.now() })
      const alarmId = (await device.next((r) => r.message.state === 'received')).message.alarmId as string
      await carer.next(task('offer'))
      await first.kill()

      const second = await spawnGateway(quick)
      running.push(second)
      let view = await api(second, 'GET', `/alarms/${alarmId}`)
      const deadline = Date.now() + 10_000
      while (view.body.escalated !== true && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        view = await api(second, 'GET', `/alarms/${alarmId}`)
      }
      const types = (view.body.timeline as { type: string }[]).map((e) => e.type)
      expect(types).toContain('offer_expired')
      expect(view.body).toMatchObject({ escalated: true, state: 'open' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
