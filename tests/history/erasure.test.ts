import { afterEach, describe, expect, it } from 'vitest'
import type { HistoryEraser } from '../../gateway/history/erasure.ts'
import { eventually, type TestClient } from '../support/mqtt.ts'
import {
  INFLUXD,
  missingServer,
  startInflux1,
  startVictoria,
  VICTORIA,
  type Victoria,
} from '../support/tsdb.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

// PIPL erasure reaches the time-series history: waiting points are purged, written series deleted
const skip = missingServer(VICTORIA) ?? missingServer(INFLUXD)

let vm: Victoria | undefined
let world: World | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await world?.stop()
  await vm?.stop()
  for (const c of cleanups.splice(0)) await c()
  world = undefined
  vm = undefined
})

function eraserOf(w: World): HistoryEraser {
  const eraser = w.app.surface.history.eraser
  if (!eraser) throw new Error('history not configured')
  return eraser
}

async function traffic(device: TestClient, id: string, t0: number, fixes: number): Promise<void> {
  await device.publish(`care/v1/dev/${id}/status`, { online: true, battery: 80 })
  await device.publish(`care/v1/dev/${id}/vitals`, { ts: t0, hr: 70 })
  for (let i = 0; i < fixes; i++)
    await device.publish(`care/v1/dev/${id}/loc`, { ts: t0 + i * 1000, ...offset(HOME, i * 5, 0) })
}

/** Samples per elder among the series matching `match`. */
async function samplesByElder(v: Victoria, match: string): Promise<Record<string, number>> {
  await v.flush()
  const out: Record<string, number> = {}
  for (const s of await v.exportSeries(match)) {
    const elder = s.metric.elder ?? '?'
    out[elder] = (out[elder] ?? 0) + s.timestamps.length
  }
  return out
}

async function until(check: () => Promise<boolean>, label: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Every fix sent so far is in the TSDB (the telemetry flush and the writer both ran). */
async function landed(v: Victoria, expected: Record<string, number>): Promise<void> {
  await until(
    async () => {
      const got = await samplesByElder(v, 'position_lat')
      return Object.entries(expected).every(([elder, n]) => got[elder] === n)
    },
    `fixes ${JSON.stringify(expected)} in the TSDB`,
  )
}

async function anSosResolved(w: World, device: TestClient, id: string): Promise<void> {
  await device.publish(`care/v1/dev/${id}/sos`, { id: `sos-${id}`, ts: w.clock.now() })
  const alarmId = (await device.next((r) => r.message.state === 'received')).message.alarmId as string
  await w.api('POST', `/api/v1/alarms/${alarmId}/actions`, { action: 'resolve', outcome: 'false_alarm' })
}

describe.skipIf(skip !== undefined)(`erasure in the TSDB${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('deletes the elder’s positions, vitals and status series, keeps alarms and other elders', async () => {
    vm = await startVictoria()
    world = await startWorld({ env: { CARE_INFLUX_URL: vm.url, CARE_INFLUX_BUCKET: 'care' } })
    await world.elder('E01')
    await world.elder('E02')
    const d1 = await world.device('D01', 'E01', { kind: 'watch' })
    const d2 = await world.device('D02', 'E02', { kind: 'watch' })
    const t0 = world.clock.now() - 60_000
    await traffic(d1, 'D01', t0, 10)
    await traffic(d2, 'D02', t0, 10)
    await anSosResolved(world, d1, 'D01')
    await landed(vm, { E01: 10, E02: 10 })
    await eventually(
      () => world?.app.surface.history.influx?.health().outbox.depth === 0,
      10_000,
      'outbox drained',
    )
    expect(await samplesByElder(vm, 'position_lat')).toEqual({ E01: 10, E02: 10 })

    const res = await world.api<{ historyPoints: number }>('DELETE', '/api/v1/elders/E01')
    expect(res.status).toBe(200)
    expect(res.body.historyPoints).toBe(0) // all of it had been written already
    // the erasure's job is worked off after the DELETE answers (at once on SQLite, a few round
    // trips later on PostgreSQL): the TSDB without E01 is what shows it done
    await until(
      async () => (await samplesByElder(vm as Victoria, 'position_lat')).E01 === undefined,
      'E01 gone',
    )
    await eventually(() => eraserOf(world as World).health().pending === 0, 10_000, 'erasure confirmed')

    expect(await samplesByElder(vm, 'position_lat')).toEqual({ E02: 10 })
    expect(await samplesByElder(vm, 'vitals_hr')).toEqual({ E02: 1 })
    expect(await samplesByElder(vm, 'device_status_online')).toEqual({ E02: 1 })
    // the bureau's figures stay: the alarm's events are still there, under an id nobody holds any more
    expect((await samplesByElder(vm, 'alarm_event_seq')).E01).toBeGreaterThan(0)
    expect(world.app.surface.metrics.total('care_history_erasures_total')).toBe(1)
    const health = (await world.api<{ history: { erasures: unknown } }>('GET', '/api/v1/health')).body
    expect(health.history.erasures).toEqual({ pending: 0, manual: 0 })
  })

  it('purges points still waiting while the TSDB is down, and deletes the rest once it is back', async () => {
    vm = await startVictoria()
    world = await startWorld({ env: { CARE_INFLUX_URL: vm.url, CARE_INFLUX_BUCKET: 'care' } })
    await world.elder('E01')
    await world.elder('E02')
    const d1 = await world.device('D01', 'E01', { kind: 'watch' })
    const d2 = await world.device('D02', 'E02', { kind: 'watch' })
    const t0 = world.clock.now() - 120_000
    await traffic(d1, 'D01', t0, 5)
    await landed(vm, { E01: 5 })
    await vm.halt()
    await traffic(d1, 'D01', t0 + 10_000, 20)
    await traffic(d2, 'D02', t0, 20)
    const influx = world.app.surface.history.influx
    await eventually(() => (influx?.health().outbox.depth ?? 0) >= 44, 10_000, 'points waiting')

    const res = await world.api<{ historyPoints: number }>('DELETE', '/api/v1/elders/E01')
    expect(res.status).toBe(200)
    expect(res.body.historyPoints).toBe(22) // 20 fixes, one vitals reading, one status
    expect(influx?.health().outbox.depth).toBe(22) // E02's, untouched
    const eraser = eraserOf(world)
    await eventually(
      () =>
        eraser.health().pending === 1 &&
        world?.app.surface.metrics.total('care_history_erasure_failures_total') === 1,
      10_000,
      'erasure refused while down',
    )

    await vm.restart()
    const until = Date.now() + 15_000
    while (eraser.health().pending > 0 || (influx?.health().outbox.depth ?? 0) > 0) {
      if (Date.now() > until) throw new Error('erasure or outbox not settled after the TSDB came back')
      await world.scheduler.advance(60_000) // past the writer's and the eraser's backoff, without sleeping on it
      await new Promise((r) => setTimeout(r, 30))
    }
    await eraser.settled()
    expect(await samplesByElder(vm, 'position_lat')).toEqual({ E02: 20 })
    expect(await samplesByElder(vm, 'vitals_hr')).toEqual({ E02: 1 })
  })

  it('leaves the erasure to an operator, said in health, when the TSDB has no delete API', async () => {
    const influx1 = await startInflux1() // InfluxDB 1.6: no /api/v2 at all
    cleanups.push(() => influx1.stop())
    world = await startWorld({ env: { CARE_INFLUX_URL: influx1.url, CARE_INFLUX_BUCKET: 'care' } })
    await world.elder('E01')
    await world.device('D01', 'E01')
    expect((await world.api('DELETE', '/api/v1/elders/E01')).status).toBe(200)
    const eraser = eraserOf(world)
    await eventually(() => eraser.health().manual === 1, 10_000, 'marked for an operator')
    expect(eraser.health().pending).toBe(0)
    const health = (await world.api<{ history: { erasures: unknown } }>('GET', '/api/v1/health')).body
    expect(health.history.erasures).toEqual({ pending: 0, manual: 1 })
  })
})
