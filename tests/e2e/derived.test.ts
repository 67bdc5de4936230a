import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Received, TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

interface AlarmRow {
  id: string
  kind: string
  priority: number
  state: string
}

async function alarms(): Promise<AlarmRow[]> {
  return (await world.api<{ items: AlarmRow[] }>('GET', '/api/v1/alarms')).body.items
}

const offer = (r: Received) => r.message.action === 'offer'
const notify = (state: string) => (r: Received) => r.message.state === state

async function fix(device: TestClient, deviceId: string, northM: number, acc: number) {
  await device.publish(`care/v1/dev/${deviceId}/loc`, {
    ts: world.clock.now(),
    ...offset(HOME, northM, 0),
    acc,
  })
}

describe('alarms derived from telemetry', () => {
  it('raises one fence exit on two clear fixes outside, none on a noisy one', async () => {
    await world.elder('E01', { fence: { radiusM: 200 } })
    const watch = await world.device('D01', 'E01', { kind: 'watch' })
    const carer = await world.carer('C01', offset(HOME, 500, 0))
    await world.carer('C02', offset(HOME, 600, 0))
    await fix(watch, 'D01', 50, 10)
    await fix(watch, 'D01', 900, 800) // a cell-tower fix: far, but it might be home
    await fix(watch, 'D01', 60, 10)
    await fix(watch, 'D01', 900, 800)
    expect(await alarms()).toEqual([])
    await fix(watch, 'D01', 400, 15)
    await fix(watch, 'D01', 450, 15)
    await fix(watch, 'D01', 500, 15)
    const list = await alarms()
    expect(list).toEqual([expect.objectContaining({ kind: 'fence_exit', priority: 2, state: 'offered' })])
    await carer.next(offer)
    // priority 2: one carer at a time
    await world.settled(...world.clients)
    expect(world.clients.flatMap((c) => c.messages(offer))).toHaveLength(1)
    // a derived alarm is not spoken to the elder
    await world.settled(watch)
    expect(watch.messages(notify('received'))).toHaveLength(0)
  })

  it('applies an elder changed by PUT or by import at the next fix', async () => {
    await world.elder('E01', { fence: { radiusM: 2_000 } })
    const watch = await world.device('D01', 'E01', { kind: 'watch' })
    await world.carer('C01', offset(HOME, 500, 0))
    await fix(watch, 'D01', 450, 15)
    await fix(watch, 'D01', 500, 15)
    expect(await alarms()).toEqual([])
    await world.elder('E01', { fence: { radiusM: 200 } })
    await fix(watch, 'D01', 450, 15)
    await fix(watch, 'D01', 500, 15)
    expect((await alarms()).map((a) => a.kind)).toEqual(['fence_exit'])
    // the same through a bulk import, for another elder
    await world.elder('E02', { fence: { radiusM: 2_000 } })
    const phone = await world.device('D02', 'E02', { kind: 'watch' })
    await fix(phone, 'D02', 450, 15)
    await fix(phone, 'D02', 500, 15)
    const imported = await world.api<{ updated: number }>('POST', '/api/v1/import?type=elders', [
      { id: 'E02', name: '王桂兰', home: HOME, fence: { radiusM: 200 } },
    ])
    expect(imported.body.updated).toBe(1)
    await fix(phone, 'D02', 450, 15)
    await fix(phone, 'D02', 500, 15)
    expect((await alarms()).map((a) => a.kind)).toEqual(['fence_exit', 'fence_exit'])
  })

  it('raises device_offline after 3 × the interval of silence, pushed back by any message', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { intervalS: 60 })
    await device.publish('care/v1/dev/D01/status', { online: true, battery: 90 })
    await world.scheduler.advance(170_000)
    await device.publish('care/v1/dev/D01/loc', { ts: world.clock.now(), ...HOME })
    await world.scheduler.advance(170_000)
    expect(await alarms()).toEqual([])
    await world.scheduler.advance(10_000)
    expect(await alarms()).toEqual([expect.objectContaining({ kind: 'device_offline', priority: 3 })])
    await world.scheduler.advance(3_600_000)
    expect(await alarms()).toHaveLength(1)
  })

  it('raises a vitals alarm on a heart rate of 150, not on 80', async () => {
    await world.elder('E01')
    const watch = await world.device('D01', 'E01', { kind: 'watch' })
    await watch.publish('care/v1/dev/D01/vitals', { ts: world.clock.now(), hr: 80, spo2: 97 })
    expect(await alarms()).toEqual([])
    await watch.publish('care/v1/dev/D01/vitals', { ts: world.clock.now(), hr: 150 })
    expect(await alarms()).toEqual([expect.objectContaining({ kind: 'vitals', priority: 2 })])
  })
})

describe('alarms from device events follow the priority table', () => {
  const cases: [string, string | null, number | null][] = [
    ['fall', 'fall', 1],
    ['smoke', 'smoke', 1],
    ['gas', 'gas', 1],
    ['water', 'water', 2],
    ['inactivity', 'inactivity', 2],
    ['vitals', 'vitals', 2],
    ['fence_exit', 'fence_exit', 2],
    ['tamper', 'device_offline', 3],
    ['power_off', 'device_offline', 3],
    ['low_battery', 'low_battery', 4],
    ['door', null, null],
  ]
  for (const [type, kind, priority] of cases) {
    it(`${type} → ${kind ?? 'history only'}`, async () => {
      await world.elder('E01')
      const device = await world.device('D01', 'E01', { kind: 'sensor' })
      const carer = await world.carer('C01', offset(HOME, 300, 0))
      await device.publish('care/v1/dev/D01/event', { id: `e-${type}`, ts: world.clock.now(), type })
      const list = await alarms()
      if (kind === null) {
        expect(list).toEqual([])
        return
      }
      expect(list).toEqual([expect.objectContaining({ kind, priority })])
      if (priority === 4) {
        expect(list[0]?.state).toBe('open')
        await world.settled(carer)
        expect(carer.messages(offer)).toHaveLength(0)
      } else {
        await carer.next(offer)
      }
    })
  }

  it('offers a fall to two carers at once', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { kind: 'sensor' })
    const a = await world.carer('C01', offset(HOME, 300, 0))
    const b = await world.carer('C02', offset(HOME, 400, 0))
    await device.publish('care/v1/dev/D01/event', { id: 'f1', ts: world.clock.now(), type: 'fall' })
    await a.next(offer)
    await b.next(offer)
    await device.next(notify('received'))
  })

  it('opens one alarm for a repeated event id', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { kind: 'sensor' })
    for (let i = 0; i < 3; i++) {
      await device.publish('care/v1/dev/D01/event', { id: 'same', ts: world.clock.now(), type: 'smoke' })
    }
    expect(await alarms()).toHaveLength(1)
  })
})

describe('test presses and cancels', () => {
  it('answers a weekly test press with test_ok and opens no alarm', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { kind: 'terminal' })
    await device.publish('care/v1/dev/D01/sos', { id: 't1', ts: world.clock.now(), test: true })
    await device.next(notify('test_ok'))
    expect(await alarms()).toEqual([])
    const row = world.db().prepare('SELECT last_test_at FROM devices WHERE id = ?').get('D01') as {
      last_test_at: number
    }
    expect(row.last_test_at).toBe(world.clock.now())
  })

  it('closes the alarm on a cancel within 30 s — at 30 s exactly too — withdrawing the offers', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
    const alarmId = (await device.next(notify('received'))).message.alarmId
    await carer.next(offer)
    await world.scheduler.advance(30_000) // contract: "within 30 s of the sos", the boundary included
    await device.publish('care/v1/dev/D01/cancel', { id: 'c1', ts: world.clock.now(), ref: 's1' })
    await device.next(notify('cancelled'))
    await carer.next((r) => r.message.action === 'withdrawn')
    expect(await alarms()).toEqual([expect.objectContaining({ id: alarmId, state: 'cancelled' })])
  })

  it('only notes a cancel 1 ms after the 30 s', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, 300, 0))
    await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
    const alarmId = (await device.next(notify('received'))).message.alarmId as string
    await world.scheduler.advance(30_001)
    await device.publish('care/v1/dev/D01/cancel', { id: 'c1', ts: world.clock.now() })
    const view = await world.api<{ state: string; timeline: { type: string }[] }>(
      'GET',
      `/api/v1/alarms/${alarmId}`,
    )
    expect(view.body.state).not.toBe('cancelled')
    expect(view.body.timeline.at(-1)?.type).toBe('note')
    await world.settled(device)
    expect(device.messages(notify('cancelled'))).toHaveLength(0)
  })
})
