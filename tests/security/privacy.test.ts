import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually, TestClient } from '../support/mqtt.ts'
import { HOME, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const count = (sql: string, ...args: string[]) =>
  (
    world
      .db()
      .prepare(sql)
      .get(...args) as { n: number }
  ).n

async function elderWithHistory(): Promise<string> {
  await world.elder('E01', { name: '张秀英', notes: '独居' })
  const device = await world.device('D01', 'E01', { kind: 'watch' })
  await device.publish('care/v1/dev/D01/loc', { ts: world.clock.now(), ...HOME })
  await device.publish('care/v1/dev/D01/vitals', { ts: world.clock.now(), hr: 72 })
  await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
  const alarmId = (await device.next((r) => r.message.state === 'received')).message.alarmId as string
  await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
    action: 'note',
    note: '女儿电话13900000002',
  })
  await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, { action: 'resolve', outcome: 'false_alarm' })
  // the fix and the reading may land in two telemetry batches: wait for both
  await eventually(
    () =>
      count('SELECT count(*) AS n FROM positions WHERE device_id = ?', 'D01') === 1 &&
      count('SELECT count(*) AS n FROM vitals WHERE device_id = ?', 'D01') === 1,
  )
  return alarmId
}

describe('an elder’s data under PIPL', () => {
  it('can be exported whole, without secrets', async () => {
    const alarmId = await elderWithHistory()
    const res = await world.api<Record<string, unknown[]> & { elder: { id: string } }>(
      'GET',
      '/api/v1/elders/E01/export',
    )
    expect(res.status).toBe(200)
    expect(res.body.elder.id).toBe('E01')
    expect(res.body.devices).toHaveLength(1)
    expect(res.body.alarms).toEqual([expect.objectContaining({ id: alarmId })])
    expect(res.body.positions).toHaveLength(1)
    expect(res.body.vitals).toHaveLength(1)
    expect(JSON.stringify(res.body)).not.toMatch(/secret_hash|scrypt/)
  })

  it('can be erased with the devices and their history; closed alarms stay, unnamed', async () => {
    const alarmId = await elderWithHistory()
    const res = await world.api<{ devices: string[]; positions: number; alarmsKept: number }>(
      'DELETE',
      '/api/v1/elders/E01',
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ devices: ['D01'], positions: 1, alarmsKept: 1 })
    expect((await world.api('GET', '/api/v1/elders/E01')).status).toBe(404)
    expect((await world.api('GET', '/api/v1/devices/D01')).status).toBe(404)
    expect(count('SELECT count(*) AS n FROM positions WHERE device_id = ?', 'D01')).toBe(0)
    expect(count('SELECT count(*) AS n FROM vitals WHERE device_id = ?', 'D01')).toBe(0)
    const alarm = await world.api<{ elderId: string; timeline: { note?: string }[] }>(
      'GET',
      `/api/v1/alarms/${alarmId}`,
    )
    expect(alarm.body.elderId).toMatch(/^erased-/)
    expect(JSON.stringify(alarm.body)).not.toContain('13900000002')
    // the device can no longer connect
    await expect(TestClient.connect(world.mqttUrl, 'D01', 'secret-D01')).rejects.toThrow()
    const audit = await world.api<{ items: { action: string }[] }>('GET', '/api/v1/audit?action=elder.erase')
    expect(audit.body.items).toHaveLength(1)
  })

  it('is not erased while an alarm of the elder is open', async () => {
    await world.elder('E01')
    await world.api('POST', '/api/v1/alarms', { elderId: 'E01' })
    const res = await world.api('DELETE', '/api/v1/elders/E01')
    expect(res.status).toBe(409)
    expect((await world.api('GET', '/api/v1/elders/E01')).status).toBe(200)
  })
})
