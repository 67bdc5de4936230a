import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridKey } from '../../../gateway/registry/schemas.ts'
import { acceptEdgesMs } from '../../../gateway/stats/charts.ts'
import { daysOf } from '../../../gateway/stats/days.ts'
import { type StatsQueries, type Window, type WorklistName, worklists } from '../../../gateway/stats/ports.ts'
import { StatsService } from '../../../gateway/stats/service.ts'
import { PgStats } from '../../../gateway/store/postgres/stats.ts'
import { SqliteStats } from '../../../gateway/store/sqlite/stats/runner.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { pagesOf, questions } from './stats-questions.ts'
import { aDistrict } from './stats-random.ts'
import { aDevice, anAlarm, anElder, anEntry, aVisit, type World, write } from './stats-world.ts'

/**
 * The supervision figures' adapters (docs/stats.md, docs/visits.md): figures worked out by hand for a
 * small district on either store, the runners' turns and stop, and PostgreSQL answering every
 * question exactly as SQLite does over a district drawn at random.
 */

const stores = testStores()

type Runner = StatsQueries & { stop(): Promise<void> }

function statsOf(store: TestStore, limit?: number): Runner {
  if (store.sqlite) return new SqliteStats(store.sqlite, limit)
  if (store.pg) return new PgStats(store.pg, limit)
  throw new Error(`no ${store.kind} store`)
}

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
/** "Now": 2026-01-20 04:00 UTC (noon in Shanghai). */
const N = Date.UTC(2026, 0, 20, 4, 0)
const H = '海丰街道'
const C = '车王镇'

/**
 * Streets 海丰街道 (E01 in 东关社区, E02 in 西关社区, E04 registered at the street only) and 车王镇
 * (E03 in 北村; X01's elder since erased). Alarms, raised hours before now, times in minutes after:
 *   A0 E01 sos      two days ago: outside the window
 *   A1 E01 sos      −10 h  accept 1, arrive 8, resolved            rated 5 by elder, 4 by family
 *   A2 E01 fall     −9 h   accept 2, arrive 20 from 500 m (flagged), resolved, overdue
 *   A5 E03 low_battery (p4) −8 h  resolved by the centre
 *   A6 E03 sos      −7 h   escalated, resolved false_alarm, no one went
 *   A7 E01 sos      −6 h   cancelled                              rated 3 by callback
 *   A9 X01 smoke    −4 h   accept 3, arrive 10, resolved (exactly midnight UTC)
 *   A8 E04 gas (p3) −2 h   accept 5, never arrives
 *   A3 E02 water (p2) −30 min, open;  A4 E02 sos −5 min, offered
 * Devices: D1 (E01) online, heard 34 h ago; D2 (E02) online, 1 h; D3 (E03) offline, 9 h; D4 (E03) never
 * heard, registered 34 h ago; D5 (E04) heard exactly 24 h ago; D6 (X01) not counted.
 */
function handDistrict(): World {
  const at = (h: number) => N - h * HOUR
  const resolved = { state: 'resolved', outcome: 'assisted' } as const
  return {
    elders: [
      anElder({ id: 'E01', grid: [H, '东关社区', 'G01'], name: '王秀英', risk: 'high' }),
      anElder({ id: 'E02', grid: [H, '西关社区', 'G02'], name: '李桂兰', risk: 'low' }),
      anElder({ id: 'E03', grid: [C, '北村', 'G09'], name: '张建国', risk: 'medium' }),
      anElder({ id: 'E04', grid: [H], name: '陈玉珍', risk: 'safe' }),
    ],
    devices: [
      aDevice({ id: 'D1', elderId: 'E01', createdAt: at(100), lastSeenAt: at(34), online: 1 }),
      aDevice({ id: 'D2', elderId: 'E02', createdAt: at(100), lastSeenAt: at(1), online: 1 }),
      aDevice({ id: 'D3', elderId: 'E03', createdAt: at(100), lastSeenAt: at(9), online: 0 }),
      aDevice({ id: 'D4', elderId: 'E03', createdAt: at(34) }),
      aDevice({ id: 'D5', elderId: 'E04', createdAt: at(100), lastSeenAt: at(24) }),
      aDevice({ id: 'D6', elderId: 'X01', createdAt: at(100) }),
    ],
    alarms: [
      anAlarm({ id: 'A0', elderId: 'E01', grid: [H, '东关社区', 'G01'], raisedAt: at(48), ...resolved }),
      anAlarm({
        id: 'A1',
        elderId: 'E01',
        grid: [H, '东关社区', 'G01'],
        raisedAt: at(10),
        acceptedAt: at(10) + MIN,
        arrivedAt: at(10) + 8 * MIN,
        distanceM: 40,
        flagged: 0,
        ...resolved,
      }),
      anAlarm({
        id: 'A2',
        elderId: 'E01',
        grid: [H, '东关社区', 'G01'],
        kind: 'fall',
        raisedAt: at(9),
        acceptedAt: at(9) + 2 * MIN,
        arrivedAt: at(9) + 20 * MIN,
        distanceM: 500,
        flagged: 1,
        overdueAt: at(9) + 15 * MIN,
        ...resolved,
      }),
      anAlarm({
        id: 'A5',
        elderId: 'E03',
        grid: [C, '北村', 'G09'],
        kind: 'low_battery',
        priority: 4,
        raisedAt: at(8),
        state: 'resolved',
        outcome: 'other',
      }),
      anAlarm({
        id: 'A6',
        elderId: 'E03',
        grid: [C, '北村', 'G09'],
        raisedAt: at(7),
        escalated: true,
        state: 'resolved',
        outcome: 'false_alarm',
      }),
      anAlarm({
        id: 'A7',
        elderId: 'E01',
        grid: [H, '东关社区', 'G01'],
        raisedAt: at(6),
        state: 'cancelled',
      }),
      anAlarm({
        id: 'A9',
        elderId: 'X01',
        grid: [C, '北村', 'G09'],
        kind: 'smoke',
        raisedAt: at(4),
        acceptedAt: at(4) + 3 * MIN,
        arrivedAt: at(4) + 10 * MIN,
        flagged: 0,
        ...resolved,
      }),
      anAlarm({
        id: 'A8',
        elderId: 'E04',
        grid: [H],
        kind: 'gas',
        priority: 3,
        raisedAt: at(2),
        acceptedAt: at(2) + 5 * MIN,
        state: 'accepted',
      }),
      anAlarm({
        id: 'A3',
        elderId: 'E02',
        grid: [H, '西关社区', 'G02'],
        kind: 'water',
        priority: 2,
        raisedAt: at(0.5),
      }),
      anAlarm({
        id: 'A4',
        elderId: 'E02',
        grid: [H, '西关社区', 'G02'],
        raisedAt: N - 5 * MIN,
        state: 'offered',
      }),
    ],
    timeline: [
      anEntry('A1', 1, 'rated', at(8), { score: 5, by: 'elder' }),
      anEntry('A1', 2, 'rated', at(7), { score: 4, by: 'family' }),
      anEntry('A2', 1, 'note', at(8), { text: 'a note is no rating' }),
      anEntry('A7', 1, 'rated', at(5), { score: 3, by: 'callback' }),
    ],
    offers: [],
    visits: [
      aVisit({
        id: 'V1',
        elderId: 'E01',
        status: 'done',
        day: '2026-01-19',
        grid: [H, '东关社区', 'G01'],
        risk: 'high',
        stationId: 'S1',
        signedInAt: at(20),
        onSiteS: 600,
        report: { condition: 'well', needs: ['meals'] },
      }),
      // a call filed later: V1's need is followed up
      aVisit({
        id: 'V2',
        elderId: 'E01',
        kind: 'call',
        status: 'done',
        day: '2026-01-20',
        grid: [H, '东关社区', 'G01'],
        risk: 'high',
        signedInAt: at(3),
        report: { condition: 'well', needs: [] },
      }),
      aVisit({ id: 'V3', elderId: 'E02', status: 'missed', day: '2026-01-19', grid: [H, '西关社区', 'G02'] }),
      aVisit({
        id: 'V4',
        elderId: 'E03',
        status: 'done',
        day: '2026-01-20',
        grid: [C, '北村', 'G09'],
        risk: 'medium',
        stationId: 'S2',
        signedInAt: at(2),
        onSiteS: 1200,
        flags: ['late', 'far'],
        report: { condition: 'needs_help', needs: ['medicine'] },
      }),
      aVisit({ id: 'V5', elderId: 'E02', status: 'due', day: '2026-01-21', grid: [H, '西关社区', 'G02'] }),
      aVisit({ id: 'V6', elderId: 'E04', status: 'due', day: '2026-01-20', grid: [H], risk: 'safe' }),
    ],
  }
}

const day: Window = { prefix: '', from: N - 24 * HOUR, to: N, now: N }

describe.each(storeKinds)('the supervision figures (%s)', (kind) => {
  let store: TestStore
  let stats: Runner
  let service: StatsService
  beforeAll(async () => {
    store = await stores.open(kind)
    await write(store, handDistrict())
    stats = statsOf(store)
    service = new StatsService(stats)
  })
  afterAll(async () => {
    await stats?.stop()
    await store?.close()
  })

  it('counts the window’s alarms, their timings, ratings and the devices of the district', async () => {
    const { totals } = await service.report([], day)
    expect(totals).toMatchObject({
      alarms: 9,
      byKind: { sos: 4, fall: 1, water: 1, low_battery: 1, gas: 1, smoke: 1, manual: 0 },
      byPriority: { '1': 6, '2': 1, '3': 1, '4': 1 },
      // due: A1, A2, A3, A8, A9; on time: A1 (8 min), A9 (10 min)
      onTime: { count: 2, of: 5, rate: 0.4 },
      completed: { count: 5, of: 8, rate: 0.625 },
      escalated: { count: 1, of: 8 },
      flaggedArrivals: { count: 1, of: 3 },
      // nearest rank: accepts 1, 2, 3, 5 min; arrivals 8, 10, 20 min
      acceptMs: { n: 4, median: 2 * MIN, p90: 5 * MIN },
      arriveMs: { n: 3, median: 10 * MIN, p90: 20 * MIN },
      devices: { count: 5, online: 2, silent24h: 2, onlineRate: 0.4 },
      ratings: {
        count: 3,
        mean: 4,
        byScore: { '1': 0, '2': 0, '3': 1, '4': 1, '5': 1 },
        by: { elder: 1, family: 1, callback: 1 },
        unrated: 4,
      },
    })
  })

  it('splits the district into streets, sorted by name, each with its own figures', async () => {
    const { children } = await service.report([], day)
    expect(children.map((c) => [c.name, c.alarms, c.onTime.count, c.onTime.of])).toEqual([
      [H, 6, 1, 4],
      [C, 3, 1, 1],
    ])
    expect(children[0]).toMatchObject({
      grid: [H],
      acceptMs: { n: 3, median: 2 * MIN, p90: 5 * MIN },
      arriveMs: { n: 2, median: 8 * MIN, p90: 20 * MIN },
      devices: { count: 3, online: 2, silent24h: 1 },
    })
    expect(children[1]).toMatchObject({
      acceptMs: { n: 1, median: 3 * MIN },
      devices: { count: 2, silent24h: 1 },
    })
  })

  it('counts an alarm of an elder registered at the street in the street’s totals but in no community', async () => {
    const street = await service.report([H], { ...day, prefix: gridKey([H]) })
    expect(street.totals.alarms).toBe(6)
    expect(street.children.map((c) => [c.name, c.alarms])).toEqual([
      ['东关社区', 3],
      ['西关社区', 2],
    ])
    const g01 = [H, '东关社区', 'G01']
    const grid = await service.report(g01, { ...day, prefix: gridKey(g01) })
    expect([grid.totals.alarms, grid.children]).toEqual([3, []])
  })

  it('charts the window by calendar day of a zone and the accept times in bins', async () => {
    const charts = await service.charts([], day, 'UTC', daysOf(day.from, day.to, 'UTC'))
    // A9 was raised at midnight UTC exactly: the 20th's first alarm
    expect(charts.days.map((d) => [d.day, d.alarms, d.byKind.sos, d.onTime.count, d.onTime.of])).toEqual([
      ['2026-01-19', 5, 3, 1, 2],
      ['2026-01-20', 4, 1, 1, 3],
    ])
    expect(charts.acceptMs).toEqual({
      n: 4,
      bins: [0, 1, 1, 1, 1, 0, 0, 0].map((count, i) => ({
        fromMs: [0, ...acceptEdgesMs][i],
        toMs: acceptEdgesMs[i] ?? null,
        count,
      })),
    })
    const shanghai = await service.charts([], day, 'Asia/Shanghai', daysOf(day.from, day.to, 'Asia/Shanghai'))
    expect(shanghai.days.map((d) => [d.day, d.alarms])).toEqual([
      ['2026-01-19', 0],
      ['2026-01-20', 9],
    ])
  })

  async function ids(list: WorklistName, limit: number): Promise<[number, string[]][]> {
    const pages = await pagesOf(stats, list, day, limit)
    return pages.map((p) => [p.total, p.items.map((i) => i.id)])
  }

  it('pages the worklists newest first (the silent list longest silent first, ties by id)', async () => {
    expect(await ids('late', 2)).toEqual([
      [3, ['A3', 'A8']],
      [3, ['A2']],
    ])
    expect(await ids('flagged', 50)).toEqual([[1, ['A2']]])
    expect(await ids('unrated', 3)).toEqual([
      [4, ['A9', 'A6', 'A5']],
      [4, ['A2']],
    ])
    expect(await ids('silent', 1)).toEqual([
      [2, ['D1']],
      [2, ['D4']],
    ])
  })

  it('shows a worklist row with what the alarm holds and the elder’s name, none for an erased elder', async () => {
    const late = await stats.worklist('late', day, 50, undefined)
    expect(late.items.at(-1)).toEqual({
      id: 'A2',
      kind: 'fall',
      priority: 1,
      state: 'resolved',
      raisedAt: N - 9 * HOUR,
      elderId: 'E01',
      elderName: '王秀英',
      carerId: 'C01',
      acceptedAt: N - 9 * HOUR + 2 * MIN,
      arrivedAt: N - 9 * HOUR + 20 * MIN,
      outcome: 'assisted',
      arrivalDistanceM: 500,
    })
    const unrated = await stats.worklist('unrated', day, 1, undefined)
    expect(unrated.items[0]).not.toHaveProperty('elderName')
    const silent = await stats.worklist('silent', day, 50, undefined)
    expect(silent.items).toEqual([
      {
        id: 'D1',
        kind: 'terminal',
        elderId: 'E01',
        elderName: '王秀英',
        online: true,
        lastSeenAt: N - 34 * HOUR,
        createdAt: N - 100 * HOUR,
      },
      {
        id: 'D4',
        kind: 'terminal',
        elderId: 'E03',
        elderName: '张建国',
        online: false,
        createdAt: N - 34 * HOUR,
      },
    ])
  })

  it('summarises the visits due on the window’s days and the reports filed in it', async () => {
    const visits = await stats.visits({ ...day, fromDay: '2026-01-19', toDay: '2026-01-20' })
    expect(visits.totals).toEqual({
      due: 4,
      onTime: 1,
      late: 1,
      missed: 1,
      pending: 1,
      doneRate: 0.5,
      reports: 1,
      flagged: 1,
      onSiteMin: { n: 2, median: 10, p90: 20 },
      needs: { raised: 2, followedUp: 1 },
      helpNeeded: 1,
    })
    expect(visits.byGrid.map((g) => [g.name, g.due, g.reports])).toEqual([
      [H, 3, 1],
      [C, 1, 0],
    ])
    expect(visits.byStation.map((s) => [s.stationId, s.onTime, s.late])).toEqual([
      ['S1', 1, 0],
      ['S2', 0, 1],
    ])
  })

  it('counts the window’s alarms per risk grade against each grade’s deadline', async () => {
    const responseMs = { high: 15 * MIN, medium: 30 * MIN, low: HOUR, safe: 2 * HOUR }
    expect(await stats.grades({ ...day, responseMs })).toEqual([
      { risk: 'high', alarms: 3, responded: 3, arrived: 2, withinDeadline: 1, overdue: 1 },
      { risk: 'low', alarms: 2, responded: 2, arrived: 0, withinDeadline: 0, overdue: 0 },
      { risk: 'medium', alarms: 2, responded: 1, arrived: 0, withinDeadline: 0, overdue: 0 },
      { risk: 'safe', alarms: 1, responded: 1, arrived: 0, withinDeadline: 0, overdue: 0 },
    ])
  })
})

describe.each(storeKinds)('the stats runner (%s)', (kind) => {
  let store: TestStore
  beforeAll(async () => {
    store = await stores.open(kind)
    await write(store, handDistrict())
  })
  afterAll(() => store?.close())

  it('answers more tasks than it runs at once, each with its own answer', async () => {
    const runner = statsOf(store, 1)
    const stats = new StatsService(runner)
    try {
      const answers = await Promise.all(
        [9.5, 7.5, 3.5, 0].map((h) => stats.report([], { ...day, to: N - h * HOUR })),
      )
      expect(answers.map((a) => a.totals.alarms)).toEqual([1, 3, 6, 9])
      // one task at a time holds one of the pool's connections, never more
      if (store.pg) expect(store.pg.pool.totalCount).toBeLessThanOrEqual(1)
    } finally {
      await runner.stop()
    }
  })

  it('rejects a task that fails, and goes on answering', async () => {
    const runner = statsOf(store, 1)
    try {
      const bad = runner.worklist('nope' as WorklistName, day, 5, undefined)
      const good = runner.worklist('late', day, 5, undefined)
      await expect(bad).rejects.toThrow()
      expect((await good).total).toBe(3)
    } finally {
      await runner.stop()
    }
  })

  it('stops, and takes no task after', async () => {
    const runner = statsOf(store, 2)
    await Promise.all([runner.report(day, true), runner.report(day, true)])
    await runner.stop()
    await expect(runner.report(day, true)).rejects.toThrow(/stopped/)
  })

  // PostgreSQL's runner only: a SQLite task waiting its turn fails with its worker's exit instead
  if (kind === 'postgres')
    it('finishes the running task at stop and drops those waiting their turn', async () => {
      const runner = statsOf(store, 1)
      const running = runner.report(day, true)
      const refused = expect(runner.report(day, false)).rejects.toThrow(/stopped/)
      await runner.stop()
      expect((await running).counts.length).toBeGreaterThan(0)
      await refused
    })
})

describe.skipIf(!storeKinds.includes('postgres'))('PostgreSQL’s figures beside SQLite’s', () => {
  const seeds = [
    { seed: 7, size: { elders: 300, alarms: 2500, visits: 1500 } },
    { seed: 20260120, size: { elders: 25, alarms: 150, visits: 80 } },
  ]
  describe.each(seeds)('over the district drawn from seed $seed', ({ seed, size }) => {
    const opened: { store: TestStore; stats: Runner }[] = []
    beforeAll(async () => {
      for (const kind of ['sqlite', 'postgres'] as const) {
        const store = await stores.open(kind)
        await write(store, aDistrict(seed, N, size))
        opened.push({ store, stats: statsOf(store) })
      }
    })
    afterAll(async () => {
      for (const { store, stats } of opened) {
        await stats.stop()
        await store.close()
      }
    })
    const twins = () => opened.map((o) => o.stats) as [Runner, Runner]

    it('draws a district with something in every figure, so that the answers compared are not empty', async () => {
      const [sqlite] = twins()
      const all = { prefix: '', from: N - 41 * DAY, to: N, now: N }
      const report = await sqlite.report(all, true)
      expect(report.counts.reduce((n, c) => n + c.alarms, 0)).toBe(size.alarms)
      expect(report.ratings.length).toBeGreaterThan(0)
      for (const list of worklists)
        expect((await sqlite.worklist(list, all, 1, undefined)).total).toBeGreaterThan(0)
      const visits = await sqlite.visits({ ...all, fromDay: '2025-12-01', toDay: '2026-01-31' })
      expect([visits.totals.due, visits.totals.reports, visits.totals.needs.followedUp]).not.toContain(0)
    })

    const asked = questions(N)
    const topics = ['report', 'charts', 'worklists', 'visits', 'grades'] as const
    it.each(topics)(
      'answers every %s question with the same rows',
      async (topic) => {
        const [sqlite, pg] = twins()
        const mine = asked.filter((q) => q.topic === topic)
        expect(mine.length).toBeGreaterThan(10)
        for (const q of mine) expect(await q.ask(pg), q.label).toEqual(await q.ask(sqlite))
      },
      // hundreds of questions to each store, one after the other
      60_000,
    )
  })
})
