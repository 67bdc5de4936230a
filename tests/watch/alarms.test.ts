import { afterEach, describe, expect, it } from 'vitest'
import { eventually, type Received } from '../support/mqtt.ts'
import { messageText, TestWatch } from '../support/watch.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { frame, position, someRadio, status, WATCH_ID } from './frames.ts'

/**
 * A "3G" watch over a real TCP socket against the whole gateway: the same
 * alarms, dispatch and history as an MQTT device.
 */

let world: World
const watches: TestWatch[] = []
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.end()))
  await world?.stop()
})

async function start(env: Record<string, string> = {}, elder: Record<string, unknown> = {}): Promise<void> {
  world = await startWorld({ env: { CARE_WATCH_PORT: '0', ...env } })
  await world.elder('E01', elder)
  const put = await world.api('PUT', `/api/v1/devices/${WATCH_ID}`, {
    kind: 'watch',
    elderId: 'E01',
    secret: 'unused-by-watches',
  })
  expect(put.status).toBe(201)
}

async function connect(): Promise<TestWatch> {
  const port = world.app.surface.ports.watch
  if (port === undefined) throw new Error('no watch listener')
  const watch = await TestWatch.connect(port)
  watches.push(watch)
  return watch
}

/** A heartbeat and its answer: every frame written before it has been handled. */
async function roundTrip(watch: TestWatch): Promise<void> {
  const before = watch.of('LK').length
  watch.write(frame('LK'))
  await watch.nth('LK', before)
}

/** The store failing as a full disk would: a trigger that aborts every new alarm. */
function breakStore(): () => void {
  world
    .db()
    .exec(`CREATE TRIGGER store_fails BEFORE INSERT ON alarms BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
  return () => world.db().exec('DROP TRIGGER store_fails')
}

type AlarmRow = { id: string; kind: string; lat: number; lon: number; device_id: string }
const alarms = () =>
  world
    .db()
    .prepare('SELECT id, kind, lat, lon, device_id FROM alarms ORDER BY raised_at')
    .all() as AlarmRow[]
const isOffer = (r: Received) => r.message.action === 'offer'
const ago = (ms: number) => world.clock.now() - ms

describe('an SOS from a watch', () => {
  it('is stored before the AL reply, offered to the nearest carer on duty, and shown on the screen', async () => {
    await start()
    const near = await world.carer('C01', offset(HOME, 300, 0))
    const watch = await connect()
    await roundTrip(watch)

    const press = frame(position('AL', { at: ago(2_000), status: status(16), ...offset(HOME, 20, 0) }))
    watch.write(press)
    await watch.nth('AL', 0)
    // store before acknowledge: the alarm is in the store when the reply arrives
    const [alarm] = alarms()
    expect(alarm).toMatchObject({ kind: 'sos', device_id: WATCH_ID })
    expect(alarm?.lat).toBeCloseTo(offset(HOME, 20, 0).lat, 6)
    const offer = await near.next(isOffer)
    expect(offer.message).toMatchObject({ alarmId: alarm?.id, alarm: { kind: 'sos', priority: 1 } })
    const received = await watch.next((f) => f.type === 'MESSAGE')
    expect(messageText(received)).toBe('已收到求助，正在为您联系服务人员')

    // the same frame again (the watch heard no reply): answered again, never a second alarm
    watch.write(press)
    await watch.nth('AL', 1)
    expect(alarms()).toHaveLength(1)
    expect(world.app.surface.metrics.total('care_messages_duplicate_total')).toBe(1)

    await near.publish('care/v1/carer/C01/reply', {
      alarmId: alarm?.id,
      action: 'accept',
      ts: world.clock.now(),
    })
    const assigned = await watch.next((f) => f.type === 'MESSAGE' && messageText(f).includes('护理员C01'))
    expect(messageText(assigned)).toMatch(/^服务人员护理员C01正在赶来，预计\d+分钟到达$/)
  })

  it('is not answered while the store refuses it; sent again once the store is back, it is stored once', async () => {
    await start()
    const watch = await connect()
    const repair = breakStore()
    const press = frame(position('AL', { at: ago(1_000), status: status(16) }))
    watch.write(press)
    // the heartbeat behind it is answered: the press was handled, and got no AL
    await roundTrip(watch)
    expect(watch.of('AL')).toEqual([])
    expect(world.app.surface.metrics.total('care_watch_store_failures_total')).toBe(1)
    expect(alarms()).toEqual([])
    repair()
    watch.write(press)
    await watch.nth('AL', 0)
    expect(alarms()).toHaveLength(1)
  })

  it('with no fix (V, zero coordinates) is raised at the elder’s home, and the alarm says so', async () => {
    await start()
    const watch = await connect()
    watch.write(
      frame(
        position('AL', {
          at: ago(1_000),
          valid: false,
          lat: 0,
          lon: 0,
          status: status(16),
          radio: someRadio,
        }),
      ),
    )
    await watch.nth('AL', 0)
    const [alarm] = alarms()
    expect(alarm).toMatchObject({ kind: 'sos', lat: HOME.lat, lon: HOME.lon })
    const detail = await world.api<{ timeline: { type: string; data?: Record<string, unknown> }[] }>(
      'GET',
      `/api/v1/alarms/${alarm?.id}`,
    )
    expect(detail.body.timeline[0]).toMatchObject({ type: 'raised', data: { atHome: true } })
    // the cells and Wi-Fi it heard are kept for a later look-up
    await eventually(
      () => world.db().prepare('SELECT count(*) AS n FROM radio_scans').get()?.n === 1,
      5_000,
      'the scan stored',
    )
    // they are the elder's data: in the export, and gone with the elder
    const exported = await world.api<{ scans: { device_id: string }[] }>('GET', '/api/v1/elders/E01/export')
    expect(exported.body.scans).toEqual([expect.objectContaining({ device_id: WATCH_ID })])
    await world.api('POST', `/api/v1/alarms/${alarm?.id}/actions`, { action: 'resolve', outcome: 'assisted' })
    expect((await world.api('DELETE', '/api/v1/elders/E01')).status).toBe(200)
    expect(world.db().prepare('SELECT count(*) AS n FROM radio_scans').get()?.n).toBe(0)
  })

  it('a fall (bit 21) raises a fall alarm at the fix, answered AL', async () => {
    await start()
    const watch = await connect()
    watch.write(frame(position('AL', { at: ago(1_000), status: status(21) })))
    await watch.nth('AL', 0)
    expect(alarms().map((a) => a.kind)).toEqual(['fall'])
  })

  it('a heart rate over the elder’s threshold raises a vitals alarm', async () => {
    await start()
    const watch = await connect()
    watch.write(frame('heart,150'))
    await roundTrip(watch)
    expect(alarms().map((a) => a.kind)).toEqual(['vitals'])
  })
})

describe('a backlog of buffered fixes (UD2) after an outage', () => {
  it('lands whole and in order, and raises no alarm from three hours ago; live fixes still do', async () => {
    // 500 frames at once is faster than a device's rate allows: the limit is set for this test
    await start({ CARE_MQTT_BURST: '1000' }, { fence: { radiusM: 200 } })
    const watch = await connect()
    const t0 = ago(3 * 3_600_000)
    const outside = offset(HOME, 800, 0)
    const backlog = Array.from({ length: 500 }, (_, i) =>
      // half of them outside the fence, some with the SOS bit a buggy firmware left set
      frame(
        position('UD2', { at: t0 + i * 10_000, ...(i % 2 ? outside : HOME), status: status(i % 7 ? 0 : 16) }),
      ),
    )
    watch.write(Buffer.concat(backlog))
    await roundTrip(watch)
    const track = await world.api<{ items: { ts: number; lat: number }[] }>(
      'GET',
      `/api/v1/devices/${WATCH_ID}/track?from=${t0}&to=${world.clock.now()}`,
    )
    expect(track.body.items.map((p) => p.ts)).toEqual(backlog.map((_, i) => t0 + i * 10_000))
    expect(alarms()).toEqual([])
    expect(world.app.surface.metrics.total('care_fixes_late_total')).toBe(500)

    // the fence still works for fixes of now
    for (const s of [30, 20, 10]) watch.write(frame(position('UD', { at: ago(s * 1_000), ...outside })))
    await roundTrip(watch)
    expect(alarms().map((a) => a.kind)).toEqual(['fence_exit'])
  })

  it('is taken at the device’s rate when it comes faster: held back, unanswered, and nothing dropped', async () => {
    // a hold that outlasts the test's own pace is not what this test is about: it gets a day
    await start({ CARE_MQTT_RATE_PER_S: '10', CARE_MQTT_BURST: '5', CARE_MQTT_HOLD_MAX_S: '86400' })
    const watch = await connect()
    const t0 = ago(3_600_000)
    watch.write(...Array.from({ length: 40 }, (_, i) => frame(position('UD2', { at: t0 + i * 1_000 }))))
    watch.write(frame('LK'))
    await eventually(() => world.app.surface.metrics.total('care_watch_held_total') > 0, 5_000, 'held back')
    // the device's clock moves on a tenth of a second at a time until the heartbeat behind them is answered
    for (let i = 0; i < 10_000 && watch.of('LK').length === 0; i++) {
      await world.scheduler.advance(100)
      await new Promise((r) => setTimeout(r, 2))
    }
    await watch.nth('LK', 0)
    const track = await world.api<{ items: unknown[] }>(
      'GET',
      `/api/v1/devices/${WATCH_ID}/track?from=${t0}&to=${world.clock.now()}`,
    )
    expect(track.body.items).toHaveLength(40)
    expect(watch.isClosed).toBe(false)
  })
})
