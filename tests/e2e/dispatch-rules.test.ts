import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Received } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const task = (action: string) => (r: Received) => r.message.action === action
const notify = (state: string) => (r: Received) => r.message.state === state

interface AlarmView {
  state: string
  escalated: boolean
  carerId?: string
  timeline: { type: string; carerId?: string; note?: string }[]
}

async function alarm(id: string): Promise<AlarmView> {
  return (await world.api<AlarmView>('GET', `/api/v1/alarms/${id}`)).body
}

async function sos(deviceId: string, msgId = 'm1'): Promise<string> {
  const device = world.clients.find((c) => c.client.options.username === deviceId)
  if (!device) throw new Error(`no client ${deviceId}`)
  await device.publish(`care/v1/dev/${deviceId}/sos`, { id: msgId, ts: world.clock.now() })
  const received = await device.next((r) => notify('received')(r) && r.message.alarmId !== undefined)
  return received.message.alarmId as string
}

describe('dispatch rules end to end', () => {
  it('escalates at once when no carer can go', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, 20_000, 0)) // beyond 10 km: never
    const id = await sos('D01')
    const view = await alarm(id)
    expect(view.escalated).toBe(true)
    expect(view.state).toBe('open')
    expect(view.timeline.map((e) => e.type)).toContain('escalated')
  })

  it('moves to the next round when the offers expire, and escalates after three rounds', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const carers = []
    for (let i = 1; i <= 7; i++) carers.push(await world.carer(`C0${i}`, offset(HOME, 200 * i, 0)))
    const id = await sos('D01')
    await carers[0]?.next(task('offer'))
    await carers[1]?.next(task('offer'))
    await world.settled(...carers.slice(2, 3))
    expect(carers[2]?.messages(task('offer'))).toHaveLength(0)

    await world.scheduler.advance(59_999)
    expect((await alarm(id)).timeline.filter((e) => e.type === 'offer_expired')).toHaveLength(0)
    await world.scheduler.advance(1)
    await carers[0]?.next(task('withdrawn'))
    await carers[2]?.next(task('offer'))
    await carers[3]?.next(task('offer'))

    await world.scheduler.advance(60_000)
    await carers[4]?.next(task('offer'))
    await carers[5]?.next(task('offer'))
    await world.scheduler.advance(60_000)
    const view = await alarm(id)
    expect(view.timeline.filter((e) => e.type === 'offered')).toHaveLength(6)
    expect(view.timeline.filter((e) => e.type === 'offer_expired')).toHaveLength(6)
    expect(view.escalated).toBe(true)
    await world.settled(...carers.slice(6, 7))
    expect(carers[6]?.messages(task('offer'))).toHaveLength(0)
  })

  it('offers a high-risk elder’s alarm to three carers for half the time', async () => {
    await world.elder('E01', { risk: 'high' })
    await world.device('D01', 'E01')
    const carers = []
    for (let i = 1; i <= 4; i++) carers.push(await world.carer(`C0${i}`, offset(HOME, 0, 250 * i)))
    const raisedAt = world.clock.now()
    const id = await sos('D01')
    for (const c of carers.slice(0, 3)) {
      const offer = await c.next(task('offer'))
      expect(offer.message.expiresAt).toBe(raisedAt + 30_000)
    }
    await world.settled(...carers.slice(3, 4))
    expect(carers[3]?.messages(task('offer'))).toHaveLength(0)
    await world.scheduler.advance(30_000)
    await carers[3]?.next(task('offer'))
    expect((await alarm(id)).timeline.filter((e) => e.type === 'offer_expired')).toHaveLength(3)
  })

  it('starts the next round as soon as every carer of a round declined', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const a = await world.carer('C01', offset(HOME, 100, 0))
    const b = await world.carer('C02', offset(HOME, 200, 0))
    const c = await world.carer('C03', offset(HOME, 300, 0))
    const id = await sos('D01')
    await a.publish('care/v1/carer/C01/reply', { alarmId: id, action: 'decline', ts: world.clock.now() })
    await world.settled(c)
    expect(c.messages(task('offer'))).toHaveLength(0)
    await b.publish('care/v1/carer/C02/reply', { alarmId: id, action: 'decline', ts: world.clock.now() })
    await c.next(task('offer'))
    const types = (await alarm(id)).timeline.map((e) => e.type)
    expect(types.filter((t) => t === 'declined')).toHaveLength(2)
  })

  it('offers lower priorities to one carer at a time for 120 s', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const a = await world.carer('C01', offset(HOME, 100, 0))
    const b = await world.carer('C02', offset(HOME, 200, 0))
    const at = world.clock.now()
    await device.publish('care/v1/dev/D01/event', { id: 'w1', ts: at, type: 'water' })
    const offer = await a.next(task('offer'))
    expect(offer.message).toMatchObject({ alarm: { kind: 'water', priority: 2 }, expiresAt: at + 120_000 })
    await world.settled(b)
    expect(b.messages(task('offer'))).toHaveLength(0)
    await world.scheduler.advance(120_000)
    await b.next(task('offer'))
  })

  it('prefers a carer within 3 km even when one farther away would be quicker', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const walker = await world.carer('C01', offset(HOME, 2_500, 0), { mode: 'walk' })
    const driver = await world.carer('C02', offset(HOME, 4_000, 0), { mode: 'car' })
    await sos('D01')
    await walker.next(task('offer'))
    await world.settled(driver)
    expect(driver.messages(task('offer'))).toHaveLength(0)
  })

  it('skips a carer busy on another alarm and one off duty', async () => {
    await world.elder('E01')
    await world.elder('E02')
    await world.device('D01', 'E01')
    await world.device('D02', 'E02')
    const busy = await world.carer('C01', offset(HOME, 100, 0))
    const off = await world.carer('C02', offset(HOME, 150, 0))
    const free = await world.carer('C03', offset(HOME, 900, 0))
    await off.publish('care/v1/carer/C02/duty', { status: 'off' })
    const first = await sos('D01')
    await busy.publish('care/v1/carer/C01/reply', { alarmId: first, action: 'accept', ts: world.clock.now() })
    await busy.next(task('assigned'))
    const second = await sos('D02', 'm2')
    const offer = await free.next((r) => task('offer')(r) && r.message.alarmId === second)
    expect(offer.message.alarmId).toBe(second)
    await world.settled(busy)
    expect(busy.messages((r) => r.message.alarmId === second)).toHaveLength(0)
    await world.settled(off)
    expect(off.messages(task('offer'))).toHaveLength(0)
  })

  it('falls back to the carer’s base when the last position is older than 10 minutes', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const far = offset(HOME, 5_000, 0)
    const mover = await world.carer('C01', far, { base: offset(HOME, 200, 0) })
    await mover.publish('care/v1/carer/C01/loc', { ts: world.clock.now(), ...offset(HOME, 9_000, 0) })
    await world.scheduler.advance(11 * 60_000)
    await sos('D01')
    const offer = await mover.next(task('offer'))
    expect(offer.message.distanceM).toBeGreaterThan(180)
    expect(offer.message.distanceM).toBeLessThan(220)
  })
})

describe('reminders', () => {
  it('reminds an assigned carer once, five minutes past their ETA, unless they arrived', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const late = await world.carer('C01', offset(HOME, 1_500, 0), { mode: 'walk' })
    const id = await sos('D01')
    await late.next(task('offer'))
    await late.publish('care/v1/carer/C01/reply', { alarmId: id, action: 'accept', ts: world.clock.now() })
    const assigned = await late.next(task('assigned'))
    const etaMs = (assigned.message.etaMin as number) * 60_000
    await world.scheduler.advance(etaMs + 5 * 60_000 - 5_000) // the task shows the ETA to 0.1 min
    await world.settled(late)
    expect(late.messages(task('reminder'))).toHaveLength(0)
    await world.scheduler.advance(10_000)
    const reminder = await late.next(task('reminder'))
    expect(reminder.message.alarmId).toBe(id)
    await world.scheduler.advance(3_600_000)
    await world.settled(late)
    expect(late.messages(task('reminder'))).toHaveLength(1)
  })

  it('does not remind a carer who arrived', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    const id = await sos('D01')
    await carer.next(task('offer'))
    await carer.publish('care/v1/carer/C01/reply', { alarmId: id, action: 'accept', ts: world.clock.now() })
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId: id,
      action: 'arrive',
      ts: world.clock.now(),
      ...HOME,
    })
    await world.scheduler.advance(3_600_000)
    await world.settled(carer)
    expect(carer.messages(task('reminder'))).toHaveLength(0)
  })
})

describe('the dispatch centre and the hotline', () => {
  it('opens a manual alarm for an elder who phoned, and assigns a carer directly', async () => {
    await world.elder('E01')
    const carer = await world.carer('C01', offset(HOME, 5_000, 0))
    const created = await world.api<{ id: string; priority: number; kind: string }>(
      'POST',
      '/api/v1/alarms',
      {
        elderId: 'E01',
        note: '12349 来电：老人说头晕',
      },
    )
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ kind: 'manual', priority: 1, state: 'offered' })
    const id = created.body.id
    await carer.next(task('offer'))
    const assigned = await world.api('POST', `/api/v1/alarms/${id}/actions`, {
      action: 'assign',
      carerId: 'C01',
    })
    expect(assigned.status).toBe(200)
    await carer.next(task('assigned'))
    const view = await alarm(id)
    expect(view).toMatchObject({ state: 'accepted', carerId: 'C01' })
    // the carer assigned is not also told their offer was withdrawn
    await world.settled(carer)
    expect(carer.messages(task('withdrawn'))).toHaveLength(0)
    expect(view.timeline.map((e) => e.type)).not.toContain('withdrawn')
  })

  it('tells the carer holding an alarm when the centre closes it, and frees them', async () => {
    await world.elder('E01')
    const carer = await world.carer('C01', offset(HOME, 500, 0))
    for (const action of ['cancel', 'resolve'] as const) {
      const created = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
      const id = created.body.id
      const about = (action: string) => (r: Received) =>
        r.message.action === action && r.message.alarmId === id
      await carer.next(about('offer'))
      await carer.publish('care/v1/carer/C01/reply', { alarmId: id, action: 'accept', ts: world.clock.now() })
      await carer.next(about('assigned'))
      const closed = await world.api('POST', `/api/v1/alarms/${id}/actions`, {
        action,
        ...(action === 'resolve' ? { outcome: 'assisted' } : {}),
      })
      expect(closed.status).toBe(200)
      await carer.next(about('withdrawn'))
      await world.settled(carer)
      expect(carer.messages(about('withdrawn'))).toHaveLength(1)
      const record = await world.api<{ busy: boolean }>('GET', '/api/v1/carers/C01')
      expect(record.body.busy).toBe(false)
    }
  })

  it('answers 409 for an action the alarm’s state forbids, and 400 for a resolve without outcome', async () => {
    await world.elder('E01')
    const created = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
    const id = created.body.id
    const noOutcome = await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'resolve' })
    expect(noOutcome.status).toBe(400)
    expect(noOutcome.body).toMatchObject({ error: { code: 'OUTCOME_REQUIRED' } })
    const resolved = await world.api('POST', `/api/v1/alarms/${id}/actions`, {
      action: 'resolve',
      outcome: 'false_alarm',
    })
    expect(resolved.status).toBe(200)
    const again = await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'escalate' })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ error: { code: 'ALARM_CLOSED' } })
  })

  it('adds notes and escalates by hand', async () => {
    await world.elder('E01')
    const created = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
    const id = created.body.id
    await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'note', note: '已电话联系子女' })
    await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'escalate' })
    const view = await alarm(id)
    expect(view.escalated).toBe(true)
    expect(view.timeline.find((e) => e.type === 'note')?.note).toBe('已电话联系子女')
  })
})
