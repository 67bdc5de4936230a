import { describe, expect, it } from 'vitest'
import { summarise, type VisitFact } from '../../gateway/visits/figures.ts'

/** The ledger's figures from visits, pure (gateway/visits/figures.ts; docs/visits.md, "Figures"). */

const fact = (over: Partial<VisitFact>): VisitFact => ({
  k: 'G1',
  stationId: 'S1',
  risk: 'medium',
  planned: true,
  status: 'done',
  late: false,
  flagged: false,
  onSiteS: 1_200,
  needs: false,
  followedUp: false,
  helpNeeded: false,
  ...over,
})

describe('visit figures', () => {
  it('splits the visits due into on time, late, missed and pending, which add up to due', () => {
    const s = summarise([
      fact({}),
      fact({ late: true }),
      fact({ status: 'missed', onSiteS: null }),
      fact({ status: 'due', onSiteS: null }),
      fact({ status: 'on_site', onSiteS: null }),
    ])
    expect(s.totals).toMatchObject({ due: 5, onTime: 1, late: 1, missed: 1, pending: 2, doneRate: 0.4 })
  })

  it('counts reports apart from the plan, and the flags, needs and calls for help of both', () => {
    const s = summarise([
      fact({ planned: false, needs: true, followedUp: true }),
      fact({ flagged: true, needs: true, helpNeeded: true }),
      // a visit after which the elder was seen again, but that noted no need: nothing to follow up
      fact({ planned: false, needs: false, followedUp: true, onSiteS: null }),
    ])
    expect(s.totals).toMatchObject({
      due: 1,
      reports: 2,
      flagged: 1,
      needs: { raised: 2, followedUp: 1 },
      helpNeeded: 1,
    })
  })

  it('takes time on site from visits done only, as nearest-rank median and p90 in minutes', () => {
    // in no order: the percentiles sort them
    const minutes = [70, 10, 100, 40, 90, 20, 60, 30, 80, 50]
    const s = summarise([
      ...minutes.map((m) => fact({ onSiteS: m * 60 })),
      // an on-site visit has no time yet; a report done without a check-out has none at all
      fact({ status: 'on_site', onSiteS: 999 }),
      fact({ planned: false, onSiteS: null }),
    ])
    expect(s.totals.onSiteMin).toEqual({ n: 10, median: 50, p90: 90 })
    expect(summarise([]).totals).toMatchObject({
      doneRate: null,
      onSiteMin: { n: 0, median: null, p90: null },
    })
  })

  it('groups by grid below (not the asked level itself), by station (not none), and by every risk grade', () => {
    const s = summarise([
      fact({ k: 'G2', stationId: null, risk: 'high' }),
      fact({ k: '', stationId: 'S2', risk: 'high' }),
      fact({ k: 'G1', stationId: 'S1', risk: 'safe', status: 'missed' }),
      fact({ k: 'G2', stationId: 'S2', risk: 'medium' }),
    ])
    expect(s.byGrid.map((g) => [g.name, g.due])).toEqual([
      ['G1', 1],
      ['G2', 2],
    ])
    expect(s.byStation.map((g) => [g.stationId, g.due, g.missed])).toEqual([
      ['S1', 1, 1],
      ['S2', 2, 0],
    ])
    expect(Object.fromEntries(Object.entries(s.byRisk).map(([r, f]) => [r, f.due]))).toEqual({
      high: 2,
      medium: 1,
      low: 0,
      safe: 1,
    })
    expect(s.totals.due).toBe(4)
  })
})
