import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { Received } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * contract: open alarms and every pending deadline are rebuilt from the store
 * at start. One world leaves an offer standing, an accepted alarm waiting for
 * its reminder and devices being watched for silence; a second world on the
 * same store takes over the clock and must fire each deadline exactly once.
 */

const worlds: World[] = []
afterAll(async () => {
  for (const w of worlds) await w.stop().catch(() => undefined)
  if (worlds[0]) rmSync(worlds[0].dataDir, { recursive: true, force: true })
})

const FAR = offset(HOME, 0, 30_000) // a second village, beyond anyone's 10 km

interface AlarmView {
  id: string
  kind: string
  state: string
  escalated: boolean
  deviceId?: string
  timeline: { type: string; carerId?: string }[]
}

async function alarm(w: World, id: string): Promise<AlarmView> {
  return (await w.api<AlarmView>('GET', `/api/v1/alarms/${id}`)).body
}

async function alarmsOf(w: World, kind: string): Promise<AlarmView[]> {
  const list = await w.api<{ items: AlarmView[] }>('GET', `/api/v1/alarms?kind=${kind}&limit=500`)
  return list.body.items
}

const count = (view: AlarmView, type: string) => view.timeline.filter((e) => e.type === type).length

describe('deadlines after a restart', () => {
  it('re-arms the offer expiry, escalation, reminder and silence, and fires each once', async () => {
    const first = await startWorld({ keepData: true })
    worlds.push(first)
    await first.elder('E01')
    await first.elder('E02', { home: FAR })
    const d1 = await first.device('D01', 'E01', { intervalS: 60 })
    const d2 = await first.device('D02', 'E02', { intervalS: 600 })
    await first.carer('C01', offset(HOME, 200, 0))
    await first.carer('C02', offset(HOME, 400, 0))
    const far = await first.carer('C05', offset(FAR, 300, 0), { mode: 'walk' })

    // an offer standing in E01's village, to the only two carers there
    await d1.publish('care/v1/dev/D01/sos', { id: 's1', ts: first.clock.now() })
    const offered = (await d1.next((r) => r.message.state === 'received')).message.alarmId as string
    // an alarm accepted in E02's village, its reminder pending
    await d2.publish('care/v1/dev/D02/sos', { id: 's2', ts: first.clock.now() })
    const held = (await d2.next((r) => r.message.state === 'received')).message.alarmId as string
    await far.next((r) => r.message.alarmId === held && r.message.action === 'offer')
    await far.publish('care/v1/carer/C05/reply', { alarmId: held, action: 'accept', ts: first.clock.now() })
    const etaMin = (await far.next((r) => r.message.alarmId === held && r.message.action === 'assigned'))
      .message.etaMin as number
    await first.scheduler.advance(10_000)
    const stoppedAt = first.clock.now()
    await first.stop()

    const second = await startWorld({
      dataDir: first.dataDir,
      keepData: true,
      clockAt: stoppedAt,
      idPrefix: 'B',
    })
    worlds.push(second)
    // every kind is armed again: the offer's expiry, the reminder, each device's silence watch
    const armed = (key: string) => second.scheduler.dueAt(key) !== undefined
    const keys = [`offer:${offered}`, `remind:${held}`, 'silence:D01', 'silence:D02']
    expect(keys.filter(armed)).toEqual(keys)
    const farAgain = await second.carer('C05', offset(FAR, 300, 0), { mode: 'walk' })
    const reminder = (r: Received) => r.message.alarmId === held && r.message.action === 'reminder'

    // the offers lapse at 60 s; no one else is within 10 km, so the alarm escalates
    await second.scheduler.advance(50_000 - 1)
    expect(count(await alarm(second, offered), 'offer_expired')).toBe(0)
    await second.scheduler.advance(1)
    const lapsed = await alarm(second, offered)
    expect(count(lapsed, 'offer_expired')).toBe(2)
    expect(lapsed).toMatchObject({ escalated: true, state: 'open' })
    expect(count(lapsed, 'escalated')).toBe(1)

    // D01 (60 s interval) is silent 3 × 60 s after its last word, before the restart
    await second.scheduler.advance(180_000)
    const offline = await alarmsOf(second, 'device_offline')
    expect(offline.map((a) => a.deviceId)).toEqual(['D01'])

    // the reminder: five minutes past the ETA the carer was given
    await second.scheduler.advance(Math.ceil(etaMin * 60_000) + 5 * 60_000)
    await farAgain.next(reminder)

    // hours later each has fired once, and D02's own silence (600 s) once too
    await second.scheduler.advance(6 * 3_600_000)
    await second.settled(farAgain)
    expect(farAgain.messages(reminder)).toHaveLength(1)
    const after = await alarm(second, offered)
    expect([count(after, 'offer_expired'), count(after, 'escalated')]).toEqual([2, 1])
    const offlineLater = await alarmsOf(second, 'device_offline')
    expect(offlineLater.map((a) => a.deviceId).sort()).toEqual(['D01', 'D02'])
  })
})
