import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * PIPL erasure, checked against the schema itself: after `DELETE /elders/{id}`
 * no row of any table — including tables added later — may still hold the
 * elder's or their devices' ids, name, phone, address or contacts. A new
 * table that references an elder or a device fails here until erasure
 * handles it, or until it is listed below with the reason it may keep them.
 */

const ELDER = 'ELDER-ZX9'
const DEVICE = 'DEVICE-ZX9'
const personal = {
  name: '测试甲乙丙',
  phone: '13912345678',
  address: '无棣县测试路99号',
  contactPhone: '13787654321',
  contactName: '测试子女丁',
  notes: '独居测试备注',
  alarmNote: '女儿电话13700001111',
}

/** What may stay, and why: each entry says which rows of a table may name the erased elder or device. */
const kept: Record<string, { why: string; row: (row: Record<string, unknown>) => boolean }> = {
  audit: {
    why: 'the audit trail is never rewritten (its integrity is the point); its rows name ids, never a person',
    row: () => true,
  },
}

let world: World
let alarmIds: string[] = []

beforeAll(async () => {
  world = await startWorld({ env: { CARE_MQTT_RATE_PER_S: '100000', CARE_MQTT_BURST: '100000' } })
  await world.elder(ELDER, {
    name: personal.name,
    phone: personal.phone,
    address: personal.address,
    notes: personal.notes,
    contacts: [{ name: personal.contactName, relation: 'daughter', phone: personal.contactPhone }],
    fence: { radiusM: 200 },
  })
  const device = await world.device(DEVICE, ELDER, { kind: 'watch' })
  const carer = await world.carer('C01', offset(HOME, 300, 0))
  await device.publish(`care/v1/dev/${DEVICE}/status`, { online: true, battery: 80 })
  await device.publish(`care/v1/dev/${DEVICE}/vitals`, { ts: world.clock.now(), hr: 72, spo2: 97 })
  // two clear fixes outside the fence: fence state and a fence_exit alarm
  for (const north of [50, 600, 650]) {
    await device.publish(`care/v1/dev/${DEVICE}/loc`, {
      ts: world.clock.now() + north,
      ...offset(HOME, north, 0),
    })
  }
  await device.publish(`care/v1/dev/${DEVICE}/sos`, { id: 'press-1', ts: world.clock.now() })
  await device.next((r) => r.message.state === 'received')
  await device.publish(`care/v1/dev/${DEVICE}/event`, { id: 'ev-1', ts: world.clock.now(), type: 'door' })
  const list = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/alarms')
  alarmIds = list.body.items.map((a) => a.id)
  expect(alarmIds.length).toBeGreaterThanOrEqual(2)
  for (const id of alarmIds) {
    await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'note', note: personal.alarmNote })
    await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'resolve', outcome: 'assisted' })
  }
  await world.api('GET', `/api/v1/elders/${ELDER}/export`)
  await eventually(
    () => rows('positions').some((r) => r.device_id === DEVICE),
    5_000,
    'positions flushed to the store',
  )
  await carer.publish('care/v1/carer/C01/duty', { status: 'off' })
})

afterAll(async () => {
  await world?.stop()
})

function tables(): string[] {
  return (
    world
      .db()
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[]
  ).map((t) => t.name)
}

function rows(table: string): Record<string, unknown>[] {
  return world.db().prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]
}

/** Every trace of the elder a row could hold, as text. */
const traces = [ELDER, DEVICE, ...Object.values(personal)]

function tracesIn(row: Record<string, unknown>): string[] {
  const text = JSON.stringify(row, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  )
  return traces.filter((t) => text.includes(t))
}

describe('erasing an elder, table by table', () => {
  it('leaves the data the check looks for in many tables before the erasure', () => {
    // the check below can only fail if the world really left traces: prove that first
    const before = tables().filter((t) => rows(t).some((r) => tracesIn(r).length > 0))
    for (const table of [
      'elders',
      'devices',
      'positions',
      'vitals',
      'device_messages',
      'fence_state',
      'alarms',
    ])
      expect(before, table).toContain(table)
    expect(before).toContain('alarm_timeline')
  })

  it('leaves no row in any table that names the elder or their devices', async () => {
    const res = await world.api('DELETE', `/api/v1/elders/${ELDER}`)
    expect(res.status).toBe(200)
    const left: string[] = []
    for (const table of tables()) {
      for (const row of rows(table)) {
        const found = tracesIn(row)
        if (found.length === 0) continue
        if (kept[table]?.row(row)) {
          // even a row kept on purpose holds no personal data, only ids
          expect(
            found.filter((t) => t !== ELDER && t !== DEVICE),
            `${table} kept row`,
          ).toEqual([])
          continue
        }
        left.push(`${table}: ${found.join(', ')} in ${JSON.stringify(row).slice(0, 200)}`)
      }
    }
    expect(left).toEqual([])
    // the alarms themselves stay for the bureau's figures, under a pseudonym
    for (const id of alarmIds) {
      const alarm = await world.api<{ elderId: string }>('GET', `/api/v1/alarms/${id}`)
      expect(alarm.body.elderId).toMatch(/^erased-/)
    }
  })
})
