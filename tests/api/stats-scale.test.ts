import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alarmKinds } from '../../gateway/alarms/model.ts'
import { type SeededAlarm, seedDistrict, streets } from '../support/alarm-seed.ts'
import { startWorld, type World } from '../support/world.ts'

/**
 * The supervision figures over 20,000 alarms — four times what the page could once fetch — computed by the
 * server and compared with figures this test works out itself from the alarms it wrote
 * (definitions in docs/stats.md).
 */

const DAY = 86_400_000
const MIN = 60_000
const ON_TIME = 15 * MIN
const N = 20_000
/** China Standard Time has no daylight saving: a day there is [16:00, 16:00) UTC. */
const CST = 8 * 3_600_000

let world: World
let alarms: SeededAlarm[]
let from = 0
let to = 0
let now = 0
let supToken = ''

beforeAll(async () => {
  world = await startWorld()
  now = world.clock.now()
  to = now + 1
  from = to - 30 * DAY
  ;({ alarms } = await seedDistrict(world, { alarms: N, from, to: now, seed: 20_000 }))
  await world.api('PUT', '/api/v1/users/sup', {
    role: 'supervisor',
    password: 'password-sup',
    grid: [streets[0]],
  })
  supToken = (
    await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'sup',
      password: 'password-sup',
    })
  ).body.token
}, 120_000)
afterAll(async () => {
  await world?.stop()
})

// the definitions of docs/stats.md, applied to the alarms as written
const due = (a: SeededAlarm) =>
  a.priority <= 3 &&
  a.state !== 'cancelled' &&
  (a.arrivedAt !== undefined || (a.outcome !== 'false_alarm' && a.raisedAt + ON_TIME <= now))
const onTime = (a: SeededAlarm) => due(a) && a.arrivedAt !== undefined && a.arrivedAt - a.raisedAt <= ON_TIME
const late = (a: SeededAlarm) => due(a) && !onTime(a)
const cstDay = (t: number) => new Date(t + CST).toISOString().slice(0, 10)
const newestFirst = (a: SeededAlarm, b: SeededAlarm) => b.raisedAt - a.raisedAt || (a.id < b.id ? 1 : -1)

type Charts = {
  days: {
    day: string
    from: number
    to: number
    alarms: number
    byKind: Record<string, number>
    onTime: { count: number; of: number }
  }[]
  acceptMs: { n: number; bins: { fromMs: number; toMs: number | null; count: number }[] }
}
type Page = { total: number; items: { id: string; elderName?: string }[]; next?: string }

async function everyPage(
  list: string,
  query: string,
  token?: string,
): Promise<{ total: number; ids: string[] }> {
  const ids: string[] = []
  let cursor = ''
  let total = -1
  for (let pages = 0; pages < 100; pages++) {
    const res = await world.api<Page>(
      'GET',
      `/api/v1/stats/lists/${list}?${query}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      undefined,
      token,
    )
    expect(res.status).toBe(200)
    if (total >= 0) expect(res.body.total).toBe(total)
    total = res.body.total
    ids.push(...res.body.items.map((a) => a.id))
    if (!res.body.next) break
    cursor = res.body.next
  }
  return { total, ids }
}

describe(`supervision figures over ${N.toLocaleString('en')} alarms`, () => {
  it('counts every alarm per day and kind, as a China Standard Time calendar', async () => {
    const res = await world.api<Charts>('GET', `/api/v1/stats/charts?from=${from}&to=${to}&tz=Asia/Shanghai`)
    expect(res.status).toBe(200)
    const expected = new Map<
      string,
      { alarms: number; byKind: Record<string, number>; due: number; ok: number }
    >()
    for (let t = from; t < to; t += DAY) {
      expected.set(cstDay(t), {
        alarms: 0,
        byKind: Object.fromEntries(alarmKinds.map((k) => [k, 0])),
        due: 0,
        ok: 0,
      })
    }
    expected.set(cstDay(to - 1), expected.get(cstDay(to - 1)) ?? { alarms: 0, byKind: {}, due: 0, ok: 0 })
    for (const a of alarms) {
      const d = expected.get(cstDay(a.raisedAt))
      if (!d) throw new Error(`no day for ${a.id}`)
      d.alarms++
      d.byKind[a.kind] = (d.byKind[a.kind] ?? 0) + 1
      if (due(a)) d.due++
      if (onTime(a)) d.ok++
    }
    expect(res.body.days.map((d) => d.day)).toEqual([...expected.keys()])
    expect(res.body.days.reduce((n, d) => n + d.alarms, 0)).toBe(N)
    for (const d of res.body.days) {
      const e = expected.get(d.day)
      expect({ alarms: d.alarms, byKind: d.byKind }, d.day).toEqual({ alarms: e?.alarms, byKind: e?.byKind })
      expect([d.onTime.count, d.onTime.of], d.day).toEqual([e?.ok, e?.due])
      // a day of the window is [local midnight, next local midnight), clipped to the window
      if (d.from !== from) expect(cstDay(d.from - 1) < d.day && cstDay(d.from) === d.day).toBe(true)
    }
  })

  it('bins the time to accept of every accepted alarm', async () => {
    const res = await world.api<Charts>('GET', `/api/v1/stats/charts?from=${from}&to=${to}`)
    const accepted = alarms.filter((a) => a.acceptedAt !== undefined)
    expect(res.body.acceptMs.n).toBe(accepted.length)
    for (const bin of res.body.acceptMs.bins) {
      const inBin = accepted.filter((a) => {
        const ms = (a.acceptedAt ?? 0) - a.raisedAt
        return ms >= bin.fromMs && (bin.toMs === null || ms < bin.toMs)
      })
      expect(bin.count, `${bin.fromMs}–${bin.toMs}`).toBe(inBin.length)
    }
    expect(res.body.acceptMs.bins.reduce((n, b) => n + b.count, 0)).toBe(accepted.length)
  })

  it('lists every late alarm, newest first, over as many pages as it takes', async () => {
    const expected = alarms.filter(late).sort(newestFirst)
    expect(expected.length).toBeGreaterThan(1_000) // more than two pages of 500
    const { total, ids } = await everyPage('late', `from=${from}&to=${to}`)
    expect(total).toBe(expected.length)
    expect(ids).toEqual(expected.map((a) => a.id))
    const stats = await world.api<{ totals: { onTime: { count: number; of: number }; alarms: number } }>(
      'GET',
      `/api/v1/stats?from=${from}&to=${to}`,
    )
    expect(stats.body.totals.alarms).toBe(N)
    expect(stats.body.totals.onTime.of - stats.body.totals.onTime.count).toBe(total)
  })

  it('lists every flagged arrival and every closed alarm not yet rated', async () => {
    const flagged = alarms.filter((a) => a.flagged).sort(newestFirst)
    expect(await everyPage('flagged', `from=${from}&to=${to}`)).toEqual({
      total: flagged.length,
      ids: flagged.map((a) => a.id),
    })
    const unrated = alarms
      .filter((a) => (a.state === 'resolved' || a.state === 'cancelled') && !a.rated)
      .sort(newestFirst)
    const got = await everyPage('unrated', `from=${from}&to=${to}`)
    expect(got.total).toBe(unrated.length)
    expect(got.ids).toEqual(unrated.map((a) => a.id))
  })

  it('gives a scoped supervisor the figures of their street only', async () => {
    const mine = alarms.filter((a) => a.grid[0] === streets[0])
    const res = await world.api<Charts>(
      'GET',
      `/api/v1/stats/charts?from=${from}&to=${to}`,
      undefined,
      supToken,
    )
    expect(res.body.days.reduce((n, d) => n + d.alarms, 0)).toBe(mine.length)
    const { total, ids } = await everyPage('late', `from=${from}&to=${to}`, supToken)
    expect(total).toBe(mine.filter(late).length)
    expect(ids.every((id) => alarms.find((a) => a.id === id)?.grid[0] === streets[0])).toBe(true)
  })
})
