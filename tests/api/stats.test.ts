import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridKey } from '../../gateway/registry/schemas.ts'
import { Store } from '../../gateway/store/db.ts'
import { ReportQueries } from '../../gateway/store/sqlite/stats/queries.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * GET /stats against figures worked out by hand (docs/stats.md has the definitions), and ratings.
 *
 * The district: street 海丰街道 with communities 东关社区 (E01) and 西关社区 (E02), street 车王镇 with
 * 北村 (E03); one carer. Offers stand 15 min so accepts can come minutes after the raise.
 * Alarms, one an hour from T(1), times in minutes after the raise:
 *   A1 E01 sos         accept 1, arrive 8                       rated 5 by elder and 4 by family
 *   A2 E01 fall        accept 2, arrive 12
 *   A3 E02 manual      accept 3, arrive 20 from 500 m (flagged) rated 2 by callback
 *   A4 E02 water (p2)  accept 4, arrive 14
 *   (A1–A4 resolved `assisted` 5 min after the arrival)
 *   A5 E03 low_battery (p4, never offered) resolved by the centre at 10
 *   A6 E03 sos         escalated by hand at 1, resolved false_alarm at 5, no one went
 *   A7 E01 sos         cancelled at 0.5                      rated 3 by callback
 *   A8 E03 gas         accept 5, never arrives; still open at "now" = T(8) + 60 min
 * Devices: D01 (E01) online, last heard 34 h before now; D02 (E02) online, heard 9 h before; D03 (E03) said
 * offline 9 h before; D04 (E03) registered 34 h before, never heard.
 */
let world: World
let supToken = ''
const MIN = 60_000
const HOUR = 60 * MIN
const ids: Record<string, string> = {}
const H = '海丰街道'
const C = '车王镇'
const grids: Record<string, string[]> = {
  E01: [H, '东关社区', 'G01'],
  E02: [H, '西关社区', 'G02'],
  E03: [C, '北村', 'G09'],
}
let T1 = 0
const T = (n: number) => T1 + n * HOUR

async function at(time: number): Promise<void> {
  await world.scheduler.advance(time - world.clock.now())
}

async function ok<B = Record<string, unknown>>(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<B> {
  const res = await world.api<B>(method, url, body)
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

async function raise(name: string, elderId: string, kind: string, time: number): Promise<void> {
  await at(time)
  ids[name] = (await ok<{ id: string }>('POST', '/api/v1/alarms', { elderId, kind })).id
}

async function reply(name: string, action: string, time: number, extra: Record<string, unknown> = {}) {
  await at(time)
  await ok('POST', '/api/v1/carers/C01/reply', {
    alarmId: ids[name],
    action,
    ts: world.clock.now(),
    ...extra,
  })
}

async function act(name: string, action: string, time: number, extra: Record<string, unknown> = {}) {
  await at(time)
  await ok('POST', `/api/v1/alarms/${ids[name]}/actions`, { action, ...extra })
}

const rate = (name: string, body: Record<string, unknown>) =>
  world.api('POST', `/api/v1/alarms/${ids[name]}/rating`, body)

/** A visit: accept, arrive (at home unless `from` is given) and resolve, minutes after `start`. */
async function visit(name: string, start: number, acceptMin: number, arriveMin: number, from = HOME) {
  await reply(name, 'accept', start + acceptMin * MIN)
  await reply(name, 'arrive', start + arriveMin * MIN, { lat: from.lat, lon: from.lon })
  await reply(name, 'resolve', start + (arriveMin + 5) * MIN, { outcome: 'assisted' })
}

beforeAll(async () => {
  world = await startWorld({ env: { CARE_OFFER_TIMEOUT_S: '900', CARE_OFFER_TIMEOUT_LOW_S: '900' } })
  for (const id of ['E01', 'E02', 'E03']) await world.elder(id, { grid: grids[id] })
  const T0 = world.clock.now()
  const d1 = await world.device('D01', 'E01', { intervalS: 86_400 })
  await d1.publish('care/v1/dev/D01/status', { online: true })
  await world.api('PUT', '/api/v1/devices/D04', { kind: 'terminal', elderId: 'E03', secret: 'secret-D04' })
  await world.scheduler.advance(1_000)
  T1 = T0 + 25 * HOUR
  await at(T1)
  const d2 = await world.device('D02', 'E02', { intervalS: 86_400 })
  await d2.publish('care/v1/dev/D02/status', { online: true })
  const d3 = await world.device('D03', 'E03', { intervalS: 86_400 })
  await d3.publish('care/v1/dev/D03/status', { online: false })
  await world.carer('C01', offset(HOME, 300, 0))

  await raise('A1', 'E01', 'sos', T(1))
  await visit('A1', T(1), 1, 8)
  await raise('A2', 'E01', 'fall', T(2))
  await visit('A2', T(2), 2, 12)
  await raise('A3', 'E02', 'manual', T(3))
  await visit('A3', T(3), 3, 20, offset(HOME, 500, 0))
  await raise('A4', 'E02', 'water', T(4))
  await visit('A4', T(4), 4, 14)
  await raise('A5', 'E03', 'low_battery', T(5))
  await act('A5', 'resolve', T(5) + 10 * MIN, { outcome: 'other' })
  await raise('A6', 'E03', 'sos', T(6))
  await act('A6', 'escalate', T(6) + MIN)
  await act('A6', 'resolve', T(6) + 5 * MIN, { outcome: 'false_alarm' })
  await raise('A7', 'E01', 'sos', T(7))
  await act('A7', 'cancel', T(7) + 30_000)
  await raise('A8', 'E03', 'gas', T(8))
  await reply('A8', 'accept', T(8) + 5 * MIN)
  await at(T(8) + 60 * MIN)

  for (const [name, body] of [
    ['A1', { score: 5, by: 'elder' }],
    ['A1', { score: 4, by: 'family', note: '儿子表示满意' }],
    ['A3', { score: 2, by: 'callback', note: '等了二十分钟' }],
    ['A7', { score: 3, by: 'callback' }],
  ] as const) {
    const res = await rate(name, body)
    if (res.status !== 201) throw new Error(`rating ${name}: ${res.status} ${JSON.stringify(res.body)}`)
  }

  await world.api('PUT', '/api/v1/users/sup', { role: 'supervisor', password: 'password-sup', grid: [H] })
  const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
    username: 'sup',
    password: 'password-sup',
  })
  supToken = login.body.token
})
afterAll(async () => {
  await world.stop()
})

const kinds = ['sos', 'fall', 'fence_exit', 'inactivity', 'vitals', 'device_offline', 'low_battery', 'smoke']
const noKinds = Object.fromEntries(
  [...kinds, 'gas', 'water', 'manual', 'visit_missed', 'help_needed'].map((k) => [k, 0]),
)
const share = (count: number, of: number) => ({ count, of, rate: of === 0 ? null : count / of })
const timing = (n: number, median: number | null, p90: number | null) => ({ n, median, p90 })

/** The figures of a group with nothing in it, overridden by what the group has. */
function figures(over: {
  alarms: number
  byKind: Record<string, number>
  byPriority: Record<string, number>
  acceptMs: ReturnType<typeof timing>
  arriveMs: ReturnType<typeof timing>
  onTime: ReturnType<typeof share>
  completed: ReturnType<typeof share>
  escalated: ReturnType<typeof share>
  flaggedArrivals: ReturnType<typeof share>
  devices: { count: number; online: number; silent24h: number }
  ratings: {
    count: number
    mean: number | null
    byScore?: Record<string, number>
    by?: Record<string, number>
  }
  unrated: number
}) {
  const { count, online, silent24h } = over.devices
  return {
    alarms: over.alarms,
    byKind: { ...noKinds, ...over.byKind },
    byPriority: { '1': 0, '2': 0, '3': 0, '4': 0, ...over.byPriority },
    acceptMs: over.acceptMs,
    arriveMs: over.arriveMs,
    onTime: over.onTime,
    completed: over.completed,
    escalated: over.escalated,
    flaggedArrivals: over.flaggedArrivals,
    devices: { count, online, silent24h, onlineRate: count === 0 ? null : online / count },
    ratings: {
      count: over.ratings.count,
      mean: over.ratings.mean,
      byScore: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0, ...over.ratings.byScore },
      by: { elder: 0, family: 0, callback: 0, ...over.ratings.by },
      unrated: over.unrated,
    },
  }
}

// 海丰街道: A1, A2, A3, A4, A7 and devices D01, D02
const haifeng = figures({
  alarms: 5,
  byKind: { sos: 2, fall: 1, manual: 1, water: 1 },
  byPriority: { '1': 4, '2': 1 },
  // accepts 1, 2, 3, 4 min: n = 4, median rank ⌈0.5·4⌉ = 2 → 2 min, p90 rank ⌈0.9·4⌉ = 4 → 4 min
  acceptMs: timing(4, 2 * MIN, 4 * MIN),
  // arrivals 8, 12, 14, 20 min: median rank 2 → 12 min, p90 rank ⌈3.6⌉ = 4 → 20 min
  arriveMs: timing(4, 12 * MIN, 20 * MIN),
  // due: A1–A4 (A7 cancelled); on time: A1 (8), A2 (12), A4 (14); A3 (20) late → 3/4
  onTime: share(3, 4),
  // resolved A1–A4 of the 4 not cancelled
  completed: share(4, 4),
  // offered to carers (priority 1–3): all 5; none escalated
  escalated: share(0, 5),
  // A3 checked in 500 m away, of 4 arrivals
  flaggedArrivals: share(1, 4),
  // D01 online but last heard 34 h ago (silent); D02 online, heard 9 h ago
  devices: { count: 2, online: 2, silent24h: 1 },
  // A1: 5 (elder), 4 (family); A3: 2 (callback); A7: 3 (callback) → (5 + 4 + 2 + 3) / 4 = 3.5
  ratings: {
    count: 4,
    mean: 3.5,
    byScore: { '2': 1, '3': 1, '4': 1, '5': 1 },
    by: { elder: 1, family: 1, callback: 2 },
  },
  // closed without a rating: A2, A4
  unrated: 2,
})

// 车王镇: A5, A6, A8 and devices D03, D04
const chewang = figures({
  alarms: 3,
  byKind: { low_battery: 1, sos: 1, gas: 1 },
  byPriority: { '1': 2, '4': 1 },
  // only A8 was accepted (5 min): n = 1, both ranks are 1
  acceptMs: timing(1, 5 * MIN, 5 * MIN),
  arriveMs: timing(0, null, null),
  // due: A8 only (A5 is priority 4, A6 a false alarm no one went to); A8 never arrived → 0/1
  onTime: share(0, 1),
  // resolved A5, A6 of 3 not cancelled (A8 still open)
  completed: share(2, 3),
  // offered: A6, A8; A6 escalated → 1/2
  escalated: share(1, 2),
  flaggedArrivals: share(0, 0),
  // D03 said offline 9 h ago; D04 never heard, registered 34 h ago (silent)
  devices: { count: 2, online: 0, silent24h: 1 },
  ratings: { count: 0, mean: null },
  // A5, A6
  unrated: 2,
})

type Report = {
  from: number
  to: number
  grid: string[]
  at: number
  totals: ReturnType<typeof figures>
  children: ({ grid: string[]; name: string } & ReturnType<typeof figures>)[]
}
const stats = (query: string, token?: string) =>
  world.api<Report>('GET', `/api/v1/stats${query}`, undefined, token)
const window = () => `?from=${T1}&to=${world.clock.now() + 1}`

describe('GET /stats', () => {
  it('has every figure of the whole district equal to the hand-computed value', async () => {
    const res = await stats(window())
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ from: T1, to: world.clock.now() + 1, grid: [], at: world.clock.now() })
    expect(res.body.totals).toEqual(
      figures({
        alarms: 8,
        byKind: { sos: 3, fall: 1, manual: 1, water: 1, low_battery: 1, gas: 1 },
        byPriority: { '1': 6, '2': 1, '4': 1 },
        // accepts 1, 2, 3, 4, 5 min: median rank ⌈2.5⌉ = 3 → 3 min; p90 rank ⌈4.5⌉ = 5 → 5 min
        acceptMs: timing(5, 3 * MIN, 5 * MIN),
        // arrivals 8, 12, 14, 20 min: median rank 2 → 12 min; p90 rank 4 → 20 min
        arriveMs: timing(4, 12 * MIN, 20 * MIN),
        // due: A1, A2, A3, A4, A8 = 5; on time: A1, A2, A4 = 3 → 0.6
        onTime: share(3, 5),
        // resolved: A1–A6 = 6 of the 7 not cancelled → 6/7
        completed: share(6, 7),
        // priority 1–3: all but A5 = 7; escalated: A6 → 1/7
        escalated: share(1, 7),
        flaggedArrivals: share(1, 4),
        // online: D01, D02; silent > 24 h: D01 (34 h), D04 (never heard, registered 34 h ago)
        devices: { count: 4, online: 2, silent24h: 2 },
        ratings: {
          count: 4,
          mean: 3.5,
          byScore: { '2': 1, '3': 1, '4': 1, '5': 1 },
          by: { elder: 1, family: 1, callback: 2 },
        },
        // closed without a rating: A2, A4, A5, A6
        unrated: 4,
      }),
    )
    expect(res.body.totals.onTime.rate).toBe(0.6)
    expect(res.body.totals.acceptMs.median).toBe(180_000)
  })

  it('drills down street → community → grid', async () => {
    const streets = await stats(window())
    expect(streets.body.children).toEqual([
      { grid: [H], name: H, ...haifeng },
      { grid: [C], name: C, ...chewang },
    ])
    const communities = await stats(`${window()}&grid=${encodeURIComponent(H)}`)
    expect(communities.body.grid).toEqual([H])
    expect(communities.body.totals).toEqual(haifeng)
    const dongguan = figures({
      alarms: 3,
      byKind: { sos: 2, fall: 1 },
      byPriority: { '1': 3 },
      // accepts 1, 2 min: median rank 1 → 1 min; p90 rank ⌈1.8⌉ = 2 → 2 min
      acceptMs: timing(2, MIN, 2 * MIN),
      // arrivals 8, 12 min: median 8 min; p90 12 min
      arriveMs: timing(2, 8 * MIN, 12 * MIN),
      onTime: share(2, 2),
      completed: share(2, 2),
      escalated: share(0, 3),
      flaggedArrivals: share(0, 2),
      devices: { count: 1, online: 1, silent24h: 1 },
      // A1: 5, 4; A7: 3 → 12 / 3 = 4
      ratings: {
        count: 3,
        mean: 4,
        byScore: { '3': 1, '4': 1, '5': 1 },
        by: { elder: 1, family: 1, callback: 1 },
      },
      unrated: 1,
    })
    const xiguan = figures({
      alarms: 2,
      byKind: { manual: 1, water: 1 },
      byPriority: { '1': 1, '2': 1 },
      // accepts 3, 4 min: median 3 min, p90 4 min
      acceptMs: timing(2, 3 * MIN, 4 * MIN),
      // arrivals 14 (A4), 20 (A3) min: median 14 min, p90 20 min
      arriveMs: timing(2, 14 * MIN, 20 * MIN),
      onTime: share(1, 2),
      completed: share(2, 2),
      escalated: share(0, 2),
      flaggedArrivals: share(1, 2),
      devices: { count: 1, online: 1, silent24h: 0 },
      ratings: { count: 1, mean: 2, byScore: { '2': 1 }, by: { callback: 1 } },
      unrated: 1,
    })
    expect(communities.body.children).toEqual([
      { grid: [H, '东关社区'], name: '东关社区', ...dongguan },
      { grid: [H, '西关社区'], name: '西关社区', ...xiguan },
    ])
    const cells = await stats(`${window()}&grid=${encodeURIComponent(`${H}/东关社区`)}`)
    expect(cells.body.children).toEqual([{ grid: [H, '东关社区', 'G01'], name: 'G01', ...dongguan }])
    // the drill-down stops at the grid level
    const cell = await stats(`${window()}&grid=${encodeURIComponent(`${H}/东关社区/G01`)}`)
    expect(cell.body.totals).toEqual(dongguan)
    expect(cell.body.children).toEqual([])
  })

  it('counts only alarms raised in [from, to); devices are as of now', async () => {
    // [T(2), T(4)): A2 and A3
    const res = await stats(`?from=${T(2)}&to=${new Date(T(4)).toISOString()}`)
    expect(res.status).toBe(200)
    const t = res.body.totals
    expect(t.alarms).toBe(2)
    expect(t.byKind).toMatchObject({ fall: 1, manual: 1, sos: 0 })
    // accepts 2, 3 min: median rank 1 → 2 min, p90 rank 2 → 3 min; arrivals 12, 20 min
    expect(t.acceptMs).toEqual(timing(2, 2 * MIN, 3 * MIN))
    expect(t.arriveMs).toEqual(timing(2, 12 * MIN, 20 * MIN))
    expect(t.onTime).toEqual(share(1, 2))
    expect(t.ratings).toMatchObject({ count: 1, mean: 2, unrated: 1 })
    expect(t.devices).toEqual({ count: 4, online: 2, silent24h: 2, onlineRate: 0.5 })
    // A1 was raised exactly at T(1): `from` is inclusive, `to` exclusive
    expect((await stats(`?from=${T(1)}&to=${T(2)}`)).body.totals.alarms).toBe(1)
    expect((await stats(`?from=${T(1) + 1}&to=${T(2)}`)).body.totals.alarms).toBe(0)
    // by default the 30 days up to now
    const all = await stats('')
    expect(all.body.to).toBe(world.clock.now())
    expect(all.body.from).toBe(world.clock.now() - 30 * 24 * HOUR)
    expect(all.body.totals.alarms).toBe(8)
  })

  it('refuses a bad window and an unknown parameter', async () => {
    expect((await stats(`?from=${T(3)}&to=${T(2)}`)).status).toBe(400)
    expect((await stats('?from=yesterday')).status).toBe(400)
    expect((await stats('?kind=sos')).status).toBe(400)
  })

  it('keeps a scoped supervisor to their street, whatever grid they ask for', async () => {
    for (const q of ['', `&grid=${encodeURIComponent(C)}`, `&grid=${encodeURIComponent(`${C}/北村`)}`]) {
      const res = await stats(window() + q, supToken)
      expect(res.status, q).toBe(200)
      expect(res.body.grid).toEqual([H])
      expect(res.body.totals).toEqual(haifeng)
      expect(JSON.stringify(res.body), q).not.toContain(C)
    }
    const inside = await stats(`${window()}&grid=${encodeURIComponent(`${H}/西关社区`)}`, supToken)
    expect(inside.body.totals.alarms).toBe(2)
  })
})

type Charts = {
  tz: string
  grid: string[]
  days: {
    day: string
    from: number
    to: number
    alarms: number
    byKind: Record<string, number>
    onTime: Share
  }[]
  acceptMs: { n: number; bins: { fromMs: number; toMs: number | null; count: number }[] }
}
type Share = ReturnType<typeof share>
type Worklist = { total: number; items: { id: string; elderName?: string }[]; next?: string }
const charts = (query: string, token?: string) =>
  world.api<Charts>('GET', `/api/v1/stats/charts${query}`, undefined, token)
const worklist = (list: string, query: string, token?: string) =>
  world.api<Worklist>('GET', `/api/v1/stats/lists/${list}${query}`, undefined, token)

describe('the supervision page’s charts and worklists', () => {
  it('counts alarms per day and kind and the on-time rate per day, in the asked time zone', async () => {
    // Asia/Shanghai is UTC+8: A1–A6 (10:00–15:00 UTC) fall on 6 January, A7 and A8 (16:00, 17:00 UTC) on the 7th
    const res = await charts(`${window()}&tz=Asia/Shanghai`)
    expect(res.status).toBe(200)
    expect(res.body.tz).toBe('Asia/Shanghai')
    const [sixth, seventh] = res.body.days
    expect(res.body.days).toHaveLength(2)
    expect(sixth).toEqual({
      day: '2026-01-06',
      from: T1,
      to: Date.UTC(2026, 0, 6, 16),
      alarms: 6,
      byKind: { ...noKinds, sos: 2, fall: 1, manual: 1, water: 1, low_battery: 1 },
      // due A1–A4, on time A1, A2, A4
      onTime: share(3, 4),
    })
    expect(seventh).toEqual({
      day: '2026-01-07',
      from: Date.UTC(2026, 0, 6, 16),
      to: world.clock.now() + 1,
      alarms: 2,
      byKind: { ...noKinds, sos: 1, gas: 1 },
      // A7 cancelled; A8 due and never reached
      onTime: share(0, 1),
    })
    // in UTC the same window is one day, and its figures are those of GET /stats
    const utc = await charts(`${window()}&tz=UTC`)
    expect(utc.body.days.map((d) => [d.day, d.alarms, d.onTime])).toEqual([['2026-01-06', 8, share(3, 5)]])
  })

  it('bins the time to accept: 1, 2, 3, 4 and 5 minutes', async () => {
    const res = await charts(window())
    const minute = (m: number | null) => (m === null ? null : m / MIN)
    expect(res.body.acceptMs.n).toBe(5)
    expect(res.body.acceptMs.bins.map((b) => [minute(b.fromMs), minute(b.toMs), b.count])).toEqual([
      [0, 1, 0],
      [1, 2, 1],
      [2, 3, 1],
      [3, 5, 2],
      [5, 10, 1],
      [10, 15, 0],
      [15, 30, 0],
      [30, null, 0],
    ])
  })

  it('lists the late, the flagged, the unrated and the silent, each as many as GET /stats counts', async () => {
    const totals = (await stats(window())).body.totals
    const ids_ = async (list: string) => {
      const res = await worklist(list, window())
      expect(res.status, list).toBe(200)
      return { total: res.body.total, ids: res.body.items.map((a) => a.id) }
    }
    // late: due and not reached within 15 minutes — A8 (never) and A3 (20 min), newest first
    expect(await ids_('late')).toEqual({
      total: totals.onTime.of - totals.onTime.count,
      ids: [ids.A8, ids.A3],
    })
    expect(await ids_('flagged')).toEqual({ total: totals.flaggedArrivals.count, ids: [ids.A3] })
    expect(await ids_('unrated')).toEqual({
      total: totals.ratings.unrated,
      ids: [ids.A6, ids.A5, ids.A4, ids.A2],
    })
    const silent = await ids_('silent')
    expect(silent.total).toBe(totals.devices.silent24h)
    expect(silent.ids.sort()).toEqual(['D01', 'D04'])
    // an alarm row carries its elder's name for the page
    expect((await worklist('late', window())).body.items[0]).toMatchObject({
      elderId: 'E03',
      elderName: '老人E03',
    })
  })

  it('pages a long list with a cursor, the total on every page', async () => {
    const first = await worklist('unrated', `${window()}&limit=3`)
    expect(first.body.items.map((a) => a.id)).toEqual([ids.A6, ids.A5, ids.A4])
    expect(first.body.total).toBe(4)
    const second = await worklist('unrated', `${window()}&limit=3&cursor=${first.body.next}`)
    expect(second.body).toMatchObject({ total: 4, items: [{ id: ids.A2 }] })
    expect(second.body.next).toBeUndefined()
  })

  it('keeps a scoped supervisor to their street', async () => {
    const late = await worklist('late', `${window()}&grid=${encodeURIComponent(C)}`, supToken)
    expect(late.body).toMatchObject({ total: 1, items: [{ id: ids.A3 }] })
    const silent = await worklist('silent', window(), supToken)
    expect(silent.body.items.map((d) => d.id)).toEqual(['D01'])
    const res = await charts(`${window()}&tz=UTC`, supToken)
    expect(res.body.grid).toEqual([H])
    expect(res.body.days.reduce((n, d) => n + d.alarms, 0)).toBe(5)
    expect(JSON.stringify(res.body)).not.toContain(C)
  })

  it('refuses an unknown time zone, list or parameter', async () => {
    expect((await charts(`${window()}&tz=Mars/Olympus`)).status).toBe(400)
    expect((await worklist('everything', window())).status).toBe(400)
    expect((await worklist('late', `${window()}&limit=501`)).status).toBe(400)
    expect((await charts(`${window()}&kind=sos`)).status).toBe(400)
    expect((await charts(`?from=0&to=${world.clock.now()}`)).status).toBe(400)
  })
})

type Timeline = {
  timeline: { type: string; actor?: string; note?: string; data?: Record<string, unknown> }[]
}

describe('ratings and the call-back worklist', () => {
  it('records a rating on the timeline as `rated`, with score, source and note', async () => {
    const res = await world.api<Timeline>('GET', `/api/v1/alarms/${ids.A3}`)
    const rated = res.body.timeline.filter((e) => e.type === 'rated')
    expect(rated).toEqual([
      expect.objectContaining({ note: '等了二十分钟', data: { score: 2, by: 'callback' } }),
    ])
  })

  it('refuses a score outside 1–5, an unknown source or field, an unknown alarm, and an open alarm', async () => {
    for (const body of [
      { score: 0, by: 'elder' },
      { score: 6, by: 'elder' },
      { score: 2.5, by: 'elder' },
      { score: 4, by: 'neighbour' },
      { score: 4 },
      { score: 4, by: 'elder', stars: 4 },
    ]) {
      const res = await rate('A2', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST' } })
    }
    const unknown = await world.api('POST', '/api/v1/alarms/A20260101-000000-nonexi/rating', {
      score: 4,
      by: 'elder',
    })
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ error: { code: 'ALARM_NOT_FOUND' } })
    // decision (docs/stats.md): only a closed alarm is rated; A8 is still accepted
    const open = await rate('A8', { score: 5, by: 'family' })
    expect(open.status).toBe(409)
    expect(open.body).toMatchObject({ error: { code: 'INVALID_STATE' } })
    const timeline = await world.api<Timeline>('GET', `/api/v1/alarms/${ids.A2}`)
    expect(timeline.body.timeline.some((e) => e.type === 'rated')).toBe(false)
  })

  it('is for admins and dispatchers; a supervisor may not rate', async () => {
    const res = await world.api(
      'POST',
      `/api/v1/alarms/${ids.A2}/rating`,
      { score: 4, by: 'elder' },
      supToken,
    )
    expect(res.status).toBe(403)
  })

  it('lists closed alarms without a rating, newest first, for the call-back', async () => {
    const list = async (q: string) =>
      (await world.api<{ items: { id: string }[] }>('GET', `/api/v1/alarms?unrated=true${q}`)).body.items.map(
        (a) => a.id,
      )
    // closed: A1–A7; rated: A1, A3, A7; A8 is open
    expect(await list('')).toEqual([ids.A6, ids.A5, ids.A4, ids.A2])
    expect(await list('&kind=sos')).toEqual([ids.A6])
    expect(await list(`&grid=${encodeURIComponent(H)}`)).toEqual([ids.A4, ids.A2])
    expect((await world.api('GET', '/api/v1/alarms?unrated=yes')).status).toBe(400)
    const everything = await world.api<{ items: unknown[] }>('GET', '/api/v1/alarms?unrated=false')
    expect(everything.body.items).toHaveLength(8)

    // a call-back rates A4: it leaves the worklist, and the figures follow
    const res = await world.api<Timeline & { id: string; state: string }>(
      'POST',
      `/api/v1/alarms/${ids.A4}/rating`,
      { score: 5, by: 'callback', note: '回访：老人满意' },
    )
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ id: ids.A4, state: 'resolved' })
    expect(res.body.timeline.at(-1)).toMatchObject({ type: 'rated', data: { score: 5, by: 'callback' } })
    expect(await list('')).toEqual([ids.A6, ids.A5, ids.A2])
    const after = await stats(window())
    // (5 + 4 + 2 + 3 + 5) / 5 = 3.8; unrated A2, A5, A6
    expect(after.body.totals.ratings).toMatchObject({ count: 5, mean: 3.8, unrated: 3 })
  })
})

describe('median and p90 by nearest rank', () => {
  it('takes the value at rank ⌈p·n/100⌉, ties included', () => {
    const store = new Store(':memory:')
    store.open()
    const insert = store.db.prepare(
      `INSERT INTO alarms (id, kind, priority, state, elder_id, grid, raised_at, accepted_at, lat, lon, updated_at)
       VALUES (?, 'sos', 1, 'accepted', 'E01', ?, 0, ?, 0, 0, 0)`,
    )
    const groups: Record<string, number[]> = {
      ten: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      eleven: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      ties: [7, 2, 1, 2, 2],
      one: [42],
    }
    for (const [name, values] of Object.entries(groups)) {
      values.forEach((v, i) => {
        insert.run(`${name}-${i}`, gridKey(['S', name, 'G']), v)
      })
    }
    const rows = new ReportQueries(store.db).timing(
      { prefix: gridKey(['S']), from: 0, to: 1, now: 1 },
      true,
      'accepted_at',
    )
    store.close()
    expect(Object.fromEntries(rows.map((r) => [r.k, [r.n, r.median, r.p90]]))).toEqual({
      // n = 10: median rank 5 → 5, p90 rank 9 → 9 (never an average of two values)
      ten: [10, 5, 9],
      // n = 11: median rank ⌈5.5⌉ = 6 → 6, p90 rank ⌈9.9⌉ = 10 → 10
      eleven: [11, 6, 10],
      // sorted 1, 2, 2, 2, 7: median rank 3 → 2, p90 rank ⌈4.5⌉ = 5 → 7
      ties: [5, 2, 7],
      one: [1, 42, 42],
    })
  })
})
