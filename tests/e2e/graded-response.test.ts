import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Alarm, TimelineEntry } from '../../gateway/alarms/model.ts'
import type { Received } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * Graded response deadlines (docs/visits.md): 10, 15, 20, 30 minutes from raised for high, medium, low
 * and safe; an alarm nobody has reached by its elder's deadline is marked overdue once, and GET /stats
 * counts each grade's alarms against its own deadline.
 */

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const MIN = 60_000
const task = (action: string) => (r: Received) => r.message.action === action

async function sos(deviceId: string): Promise<string> {
  const device = world.clients.find((c) => c.client.options.username === deviceId)
  if (!device) throw new Error(`no client ${deviceId}`)
  await device.publish(`care/v1/dev/${deviceId}/sos`, { id: `m-${deviceId}`, ts: world.clock.now() })
  const received = await device.next((r) => r.message.state === 'received')
  return received.message.alarmId as string
}

async function timeline(id: string): Promise<Alarm & { timeline: TimelineEntry[] }> {
  return (await world.api<Alarm & { timeline: TimelineEntry[] }>('GET', `/api/v1/alarms/${id}`)).body
}

const overdue = async (id: string) => (await timeline(id)).timeline.filter((e) => e.type === 'overdue')

describe('graded response deadlines', () => {
  it('marks each alarm nobody reached overdue at its elder’s grade’s deadline, once', async () => {
    const grades = { EH: 'high', EM: 'medium', EL: 'low', ES: 'safe' } as const
    const ids: Record<string, string> = {}
    for (const [elder, risk] of Object.entries(grades)) {
      await world.elder(`${elder}1`, { risk })
      await world.device(`D-${elder}`, `${elder}1`)
      ids[elder] = await sos(`D-${elder}`)
    }
    const start = world.clock.now()
    for (const [elder, minutes] of [
      ['EH', 10],
      ['EM', 15],
      ['EL', 20],
      ['ES', 30],
    ] as const) {
      const id = ids[elder] as string
      await world.scheduler.advance(start + minutes * MIN - 1 - world.clock.now())
      expect(await overdue(id), `${elder} before`).toEqual([])
      await world.scheduler.advance(1)
      const [entry, ...more] = await overdue(id)
      expect(more).toEqual([])
      // with no carer anywhere the alarm went to the centre at once; nobody has arrived
      expect(entry).toMatchObject({
        at: start + minutes * MIN,
        actor: 'system',
        data: { deadlineMin: minutes },
      })
      expect((await timeline(id)).overdueAt).toBe(start + minutes * MIN)
    }
    await world.scheduler.advance(3 * 3_600_000)
    for (const id of Object.values(ids)) expect(await overdue(id)).toHaveLength(1)
  })

  it('leaves an alarm reached in time alone, and GET /stats counts each grade against its own deadline', async () => {
    await world.elder('EH1', { risk: 'high' })
    await world.elder('EM1', { risk: 'medium' })
    // devices that report daily: no device_offline alarm joins the figures within the hour
    await world.device('D-EH', 'EH1', { intervalS: 86_400 })
    await world.device('D-EM', 'EM1', { intervalS: 86_400 })
    const start = world.clock.now()
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    const high = await sos('D-EH')
    await carer.next(task('offer'))
    await carer.publish('care/v1/carer/C01/reply', { alarmId: high, action: 'accept', ts: world.clock.now() })
    await carer.next(task('assigned'))
    // arrives at 12 min: past the high-risk elder's 10, so it was marked overdue at 10
    await world.scheduler.advance(12 * MIN)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId: high,
      action: 'arrive',
      ts: world.clock.now(),
      ...HOME,
    })
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId: high,
      action: 'resolve',
      ts: world.clock.now(),
      outcome: 'assisted',
    })
    const medium = await sos('D-EM')
    await carer.next((r) => task('offer')(r) && r.message.alarmId === medium)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId: medium,
      action: 'accept',
      ts: world.clock.now(),
    })
    // arrives 12 min after this one was raised: within the medium grade's 15
    await world.scheduler.advance(12 * MIN)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId: medium,
      action: 'arrive',
      ts: world.clock.now(),
      ...HOME,
    })
    await world.scheduler.advance(60 * MIN)
    expect(await overdue(high)).toHaveLength(1)
    expect(await overdue(medium)).toEqual([])

    const stats = await world.api<{ byRisk: Record<string, unknown> }>(
      'GET',
      `/api/v1/stats?from=${start}&to=${world.clock.now()}`,
    )
    const none = { alarms: 0, responded: 0, arrived: 0, withinDeadline: 0, overdue: 0 }
    expect(stats.body.byRisk).toEqual({
      high: {
        risk: 'high',
        deadlineMin: 10,
        alarms: 1,
        responded: 1,
        arrived: 1,
        withinDeadline: 0,
        overdue: 1,
      },
      medium: {
        risk: 'medium',
        deadlineMin: 15,
        alarms: 1,
        responded: 1,
        arrived: 1,
        withinDeadline: 1,
        overdue: 0,
      },
      low: { risk: 'low', deadlineMin: 20, ...none },
      safe: { risk: 'safe', deadlineMin: 30, ...none },
    })
  })
})
