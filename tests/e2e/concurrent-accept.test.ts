import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Received, TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * contract: priority 1 is offered to two carers at once and the first accept
 * wins. Here the two accepts leave at the same moment, one over MQTT and one
 * over HTTP, many times over: every time exactly one carer holds the alarm.
 */

let world: World
let device: TestClient
let overMqtt: TestClient
let overHttp: TestClient

beforeAll(async () => {
  world = await startWorld()
  await world.elder('E01')
  device = await world.device('D01', 'E01')
  overMqtt = await world.carer('C01', offset(HOME, 200, 0))
  overHttp = await world.carer('C02', offset(HOME, 0, 200))
})
afterAll(async () => {
  await world.stop()
})

const taskFor = (alarmId: string, action: string) => (r: Received) =>
  r.message.alarmId === alarmId && r.message.action === action

interface AlarmView {
  state: string
  carerId?: string
  timeline: { type: string; carerId?: string }[]
}

describe('two accepts at the same moment', () => {
  it('leave exactly one winner, 30 times, over MQTT and HTTP together', async () => {
    const winners = new Set<string>()
    for (let round = 0; round < 30; round++) {
      await device.publish('care/v1/dev/D01/sos', { id: `press-${round}`, ts: world.clock.now() })
      const alarmId = (
        await device.next(
          (r) => r.message.state === 'received' && r.message.alarmId !== undefined && !seen(r),
        )
      ).message.alarmId as string
      await overMqtt.next(taskFor(alarmId, 'offer'))
      await overHttp.next(taskFor(alarmId, 'offer'))

      const accept = { alarmId, action: 'accept', ts: world.clock.now() }
      // over a real socket, like the phone's (in-process injection would always be first)
      const viaHttp = () =>
        fetch(`http://127.0.0.1:${world.app.httpPort}/api/v1/carers/C02/reply`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(accept),
        })
      const viaMqtt = () => overMqtt.publish('care/v1/carer/C01/reply', accept)
      let http: Response
      // mostly both at once; every third round one side is answered before the other starts, so that
      // each channel's win (and the other's refusal) is certain to be seen
      if (round % 3 === 1) {
        await viaMqtt()
        http = await viaHttp()
      } else if (round % 3 === 2) {
        http = await viaHttp()
        await viaMqtt()
      } else {
        ;[http] = await Promise.all([viaHttp(), viaMqtt()])
      }

      const view = (await world.api<AlarmView>('GET', `/api/v1/alarms/${alarmId}`)).body
      expect(view.state).toBe('accepted')
      expect(view.timeline.filter((e) => e.type === 'accepted')).toHaveLength(1)
      const winner = view.carerId
      expect(['C01', 'C02']).toContain(winner)
      winners.add(winner ?? '')
      // the loser over HTTP is told so; the loser over MQTT is withdrawn; only the winner is assigned
      if (winner === 'C01') {
        expect(http.status).toBe(409)
        await overMqtt.next(taskFor(alarmId, 'assigned'))
      } else {
        expect(http.status).toBe(200)
        await overHttp.next(taskFor(alarmId, 'assigned'))
        await overMqtt.next(taskFor(alarmId, 'withdrawn'))
      }
      await world.settled(overMqtt, overHttp)
      const assigned = [overMqtt, overHttp].flatMap((c) => c.messages(taskFor(alarmId, 'assigned')))
      expect(assigned).toHaveLength(1)

      // the winner closes it, so both are free for the next round
      const resolved = await world.api('POST', `/api/v1/carers/${winner}/reply`, {
        alarmId,
        action: 'resolve',
        outcome: 'assisted',
        ts: world.clock.now(),
      })
      expect(resolved.status).toBe(200)
      handled.add(alarmId)
    }
    expect(winners).toEqual(new Set(['C01', 'C02']))
  })
})

const handled = new Set<string>()
function seen(r: Received): boolean {
  return handled.has(r.message.alarmId as string)
}
