import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Visit } from '../../gateway/visits/model.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { jpegWithGps } from './support/images.ts'
import { ahead, carerToken, DAY_MS, shanghaiDay, upload, ZONE } from './support/visits.ts'

/**
 * The ledger and its figures in GET /stats against a day worked out by hand (docs/visits.md, "Figures"):
 *
 * day D (every visit moved to D by the centre):
 *   ELA G03 high    CR1 (station ST1) at the door with a photo, 30 min, well       → on time
 *   ELB G03 medium  CR1 300 m away with a photo, 10 min, needs meals              → on time, flagged far
 *   ELC G04 low     nobody                                                         → missed
 *   ELD G04 safe    nobody on D                                                    → missed, then on D+1:
 *                  CR2 (no station) at the door with a photo, 20 min, needs help now and medicine → late
 * D+1: CR1 files a call report about ELB (no needs) → ELB's need is followed up
 */

const H = 'Haifeng St'
const DG = 'Dongguan'
const MIN = 60_000

let w: World
let day: string
let from: number

beforeAll(async () => {
  w = await startWorld({ env: { CARE_TIME_ZONE: ZONE, CARE_VISIT_GRACE_S: '3600' } })
  await w.api('PUT', '/api/v1/stations/ST1', { name: '东关服务站', grid: [H, DG] })
  await w.carer('CR1', offset(HOME, 50, 0), { stationId: 'ST1' })
  await w.carer('CR2', offset(HOME, 90, 0))
  const elders = { ELA: ['G03', 'high'], ELB: ['G03', 'medium'], ELC: ['G04', 'low'], ELD: ['G04', 'safe'] }
  day = shanghaiDay(w.clock.now())
  from = Date.parse(`${day}T00:00:00+08:00`)
  for (const [id, [cell, risk]] of Object.entries(elders)) {
    await w.elder(id, { grid: [H, DG, cell as string], risk })
    const v = await ahead(w, id)
    const moved = await w.api('PATCH', `/api/v1/visits/${v.id}`, { dueDay: day })
    if (moved.status !== 200) throw new Error(JSON.stringify(moved.body))
  }
  const cr1 = await carerToken(w, 'CR1')
  const visit = async (
    elder: string,
    token: string,
    at: { lat: number; lon: number },
    minutes: number,
    report: unknown,
  ) => {
    const v = (
      await w.api<{ items: Visit[] }>('GET', `/api/v1/visits?elderId=${elder}&kind=planned`)
    ).body.items.find((x) => x.dueDay === day) as Visit
    const photo = await upload(w, v.id, token, jpegWithGps(elder))
    await w.api('POST', `/api/v1/visits/${v.id}/sign-in`, { ...at, photo: photo.body.id }, token)
    w.clock.set(w.clock.now() + minutes * MIN)
    const out = await w.api('POST', `/api/v1/visits/${v.id}/sign-out`, { report }, token)
    if (out.status !== 200) throw new Error(JSON.stringify(out.body))
  }
  await visit('ELA', cr1, HOME, 30, { condition: 'well' })
  await visit('ELB', cr1, offset(HOME, 300, 0), 10, { condition: 'unwell', needs: ['meals'] })
  // past the end of D and the grace: ELC and ELD are missed
  await w.scheduler.advance(from + DAY_MS + 3_600_000 - w.clock.now() + 1)
  await w.scheduler.advance(8 * 3_600_000)
  const cr2 = await carerToken(w, 'CR2')
  await visit('ELD', cr2, HOME, 20, { condition: 'needs_help', needs: ['medicine'] })
  w.clock.set(w.clock.now() + 5 * MIN)
  const call = await w.api(
    'POST',
    '/api/v1/visits',
    { elderId: 'ELB', kind: 'call', report: { condition: 'well' } },
    cr1,
  )
  if (call.status !== 201) throw new Error(JSON.stringify(call.body))
})
afterAll(async () => {
  await w.stop()
})

const figures = (over: Record<string, unknown>) => ({
  due: 0,
  onTime: 0,
  late: 0,
  missed: 0,
  pending: 0,
  doneRate: null,
  reports: 0,
  flagged: 0,
  onSiteMin: { n: 0, median: null, p90: null },
  needs: { raised: 0, followedUp: 0 },
  helpNeeded: 0,
  ...over,
})

describe('the service ledger and its figures', () => {
  it('lists the day’s visits and reports, filtered by grid, station, carer and kind', async () => {
    const next = shanghaiDay(from + DAY_MS)
    const ids = async (query: string) =>
      (await w.api<{ items: Visit[] }>('GET', `/api/v1/visits?from=${day}&to=${next}&${query}`)).body.items
        .map((v) => `${v.elderId}:${v.kind}:${v.status}`)
        .sort()
    expect(await ids('')).toEqual([
      'ELA:planned:done',
      'ELB:call:done',
      'ELB:planned:done',
      'ELC:planned:missed',
      'ELD:planned:done',
    ])
    expect(await ids(`grid=${H}/${DG}/G04`)).toEqual(['ELC:planned:missed', 'ELD:planned:done'])
    expect(await ids('stationId=ST1')).toEqual(['ELA:planned:done', 'ELB:call:done', 'ELB:planned:done'])
    expect(await ids('carerId=CR2')).toEqual(['ELD:planned:done'])
    expect(await ids('kind=call,escort')).toEqual(['ELB:call:done'])
    expect(await ids('status=missed')).toEqual(['ELC:planned:missed'])
  })

  it('summarises it in GET /stats per grid, per station and per risk grade, as worked out by hand', async () => {
    const res = await w.api<{ visits: Record<string, unknown> }>(
      'GET',
      `/api/v1/stats?from=${from}&to=${from + 2 * DAY_MS}&grid=${encodeURIComponent(`${H}/${DG}`)}`,
    )
    expect(res.status).toBe(200)
    const g03 = figures({
      due: 2,
      onTime: 2,
      doneRate: 1,
      reports: 1,
      flagged: 1,
      onSiteMin: { n: 2, median: 10, p90: 30 },
      needs: { raised: 1, followedUp: 1 },
    })
    const g04 = figures({
      due: 2,
      late: 1,
      missed: 1,
      doneRate: 0.5,
      onSiteMin: { n: 1, median: 20, p90: 20 },
      needs: { raised: 1, followedUp: 0 },
      helpNeeded: 1,
    })
    expect(res.body.visits).toEqual({
      totals: figures({
        due: 4,
        onTime: 2,
        late: 1,
        missed: 1,
        doneRate: 0.75,
        reports: 1,
        flagged: 1,
        onSiteMin: { n: 3, median: 20, p90: 30 },
        needs: { raised: 2, followedUp: 1 },
        helpNeeded: 1,
      }),
      byGrid: [
        { name: 'G03', ...g03 },
        { name: 'G04', ...g04 },
      ],
      byStation: [{ stationId: 'ST1', ...g03 }],
      byRisk: {
        high: figures({ due: 1, onTime: 1, doneRate: 1, onSiteMin: { n: 1, median: 30, p90: 30 } }),
        medium: figures({
          due: 1,
          onTime: 1,
          doneRate: 1,
          reports: 1,
          flagged: 1,
          onSiteMin: { n: 1, median: 10, p90: 10 },
          needs: { raised: 1, followedUp: 1 },
        }),
        low: figures({ due: 1, missed: 1, doneRate: 0 }),
        safe: figures({
          due: 1,
          late: 1,
          doneRate: 1,
          onSiteMin: { n: 1, median: 20, p90: 20 },
          needs: { raised: 1, followedUp: 0 },
          helpNeeded: 1,
        }),
      },
    })
  })
})
