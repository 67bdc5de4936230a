import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

// without CARE_INFLUX_URL history stays in SQLite for CARE_RETENTION_DAYS and still serves the track
const DAY = 86_400_000
let world: World
beforeEach(async () => {
  world = await startWorld({ env: { CARE_RETENTION_DAYS: '30' } })
})
afterEach(async () => {
  await world.stop()
})

type Track = { items: { ts: number; lat: number; lon: number; acc?: number }[] }

describe('embedded history', () => {
  it('serves the track from SQLite, uses no outbox, and says so in health', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { intervalS: 86_400 })
    const t0 = world.clock.now()
    for (let i = 0; i < 5; i++) {
      await device.publish('care/v1/dev/D01/loc', {
        ts: t0 - 5_000 + i * 1000,
        ...offset(HOME, i * 10, 0),
        acc: 5,
      })
    }
    const track = await world.api<Track>('GET', `/api/v1/devices/D01/track?from=${t0 - 60_000}&to=${t0 + 1}`)
    expect(track.status).toBe(200)
    expect(track.body.items.map((p) => p.ts)).toEqual([0, 1, 2, 3, 4].map((i) => t0 - 5_000 + i * 1000))
    expect(track.body.items[0]).toMatchObject({ lat: HOME.lat, lon: HOME.lon, acc: 5 })
    expect(world.app.surface.history.influx).toBeUndefined()
    const outbox = world.db().prepare('SELECT count(*) AS n FROM history_outbox').get() as {
      n: number
    }
    expect(outbox.n).toBe(0)
    const health = await world.api<{ history: unknown }>('GET', '/api/v1/health')
    expect(health.body.history).toEqual({ status: 'embedded' })
  })

  it('prunes positions and vitals older than the retention window, keeping newer ones', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01', { intervalS: 86_400 })
    const old = world.clock.now()
    await device.publish('care/v1/dev/D01/loc', { ts: old, ...HOME })
    await device.publish('care/v1/dev/D01/vitals', { ts: old, hr: 72 })
    const count = (table: string) =>
      (world.db().prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    await eventually(() => count('positions') === 1 && count('vitals') === 1, 3_000, 'stored')

    await world.scheduler.advance(20 * DAY)
    const recent = world.clock.now()
    await device.publish('care/v1/dev/D01/loc', { ts: recent, ...offset(HOME, 100, 0) })
    await eventually(() => count('positions') === 2, 3_000, 'second fix stored')
    await world.scheduler.advance(11 * DAY)
    // the hourly pass ran inside the advance: the first fix and reading are 31 days old, the second 11
    expect(count('positions')).toBe(1)
    expect(count('vitals')).toBe(0)
    const track = await world.api<Track>('GET', `/api/v1/devices/D01/track?from=0&to=${world.clock.now()}`)
    expect(track.body.items.map((p) => p.ts)).toEqual([recent])
    expect(world.app.surface.metrics.get('care_history_pruned_total')).toBe(2)
  })
})
