import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../bench/lib/prng.ts'
import type { Visit } from '../../gateway/visits/model.ts'
import { generateDistrict } from '../../simulator/district.ts'
import { provision } from '../../simulator/provision.ts'
import { VisitRounds } from '../../simulator/visits.ts'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'

/**
 * The simulator's visits against a real gateway (the demo's living ledger): stations and plans set up
 * through the API, then a round in which the carers on shift do what is due — most of it, with photos
 * and reports — and leave the rest to be missed.
 */
describe('the simulated district’s visits', () => {
  let world: World
  const district = generateDistrict({ seed: 23, elders: 20, carers: 4 })
  for (const c of district.carers) c.shift = [0, 24]
  let rounds: VisitRounds

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_LOGINS_PER_MINUTE: '100' } })
    const http = `http://127.0.0.1:${world.app.surface.httpPort}`
    await provision(district, http, ADMIN_TOKEN)
    rounds = new VisitRounds({ district, httpUrl: http, token: ADMIN_TOKEN, random: seededRandom(5) })
  })
  afterAll(async () => {
    await world.stop()
  })

  const ledger = async (query: string) =>
    (await world.api<{ items: Visit[] }>('GET', `/api/v1/visits?limit=500&${query}`)).body.items

  it('registers the stations, links the carers and gives every elder a carer', async () => {
    expect(await rounds.setup()).toEqual({ stations: district.streets.length, plans: 20, today: 0 })
    for (const c of district.carers) {
      const carer = (await world.api<{ stationId?: string }>('GET', `/api/v1/carers/${c.id}`)).body
      expect(carer.stationId, c.id).toMatch(/^ST-\d+$/)
    }
    const ahead = await ledger('kind=planned&status=due')
    expect(ahead).toHaveLength(20)
    expect(ahead.every((v) => v.carerId !== undefined && v.stationId !== undefined)).toBe(true)
  })

  it('does most of what is due today, with photos and reports, and leaves the rest undone', async () => {
    // everyone's visit ahead is moved to today, as a dispatcher would
    const today = (
      await world.api<{ today: string }>('GET', `/api/v1/carers/${district.carers[0]?.id}/visits`)
    ).body.today
    for (const v of await ledger('kind=planned&status=due')) {
      expect((await world.api('PATCH', `/api/v1/visits/${v.id}`, { dueDay: today })).status).toBe(200)
    }
    // a round checks in at the door; half an hour later the next one reports and checks out
    const first = { ...(await rounds.round(10)) }
    expect(first).toMatchObject({ refused: 0, done: 0 })
    expect(first.signedIn + first.skipped).toBe(20)
    expect(await ledger('kind=planned&status=on_site')).toHaveLength(first.signedIn)
    world.clock.set(world.clock.now() + 30 * 60_000)
    const stats = await rounds.round(10)
    expect(stats.refused).toBe(0)
    expect(stats.done).toBe(first.signedIn)
    expect(stats.done).toBeGreaterThan(10)
    expect(stats.skipped).toBeGreaterThan(0)
    const done = await ledger(`kind=planned&status=done&from=${today}&to=${today}`)
    expect(done).toHaveLength(stats.done)
    for (const v of done) {
      expect(v.report?.condition, v.id).toMatch(/^(well|unwell|needs_help)$/)
      expect(v.onSiteS, v.id).toBe(30 * 60)
    }
    expect(done.filter((v) => v.photos.length > 0).length).toBeGreaterThan(stats.done / 2)
    // what was left is still due today, and a second round does not come back to it
    const left = await ledger(`kind=planned&status=due&to=${today}`)
    expect(left).toHaveLength(stats.skipped)
    await rounds.round(11)
    expect(await ledger(`kind=planned&status=due&to=${today}`)).toHaveLength(stats.skipped)
    // the figures see it all
    const figures = (
      await world.api<{ visits: { totals: { onTime: number; pending: number } } }>('GET', '/api/v1/stats')
    ).body.visits.totals
    expect(figures.onTime).toBe(rounds.stats.done)
  })
})
