import { z } from 'zod'
import { outcomes } from '../../../kernel/contract/payloads.ts'
import { alarmKinds, alarmStates, ratingSources } from '../../alarms/model.ts'
import { worklists } from '../../stats/lists.ts'
import { ms } from './registry.ts'

/** The supervision answers: GET /stats, its charts and its worklists (docs/stats.md defines every figure). */

const count = z.number().int()
/** `count` of `of`, and their ratio (null when `of` is 0). */
const share = z.strictObject({ count, of: count, rate: z.number().nullable() })
/** A time's sample size, and its nearest-rank median and p90 in ms (null without a sample). */
const timing = z.strictObject({ n: count, median: z.number().nullable(), p90: z.number().nullable() })
const byKind = z.record(z.enum(alarmKinds), count)

const figures = z.strictObject({
  alarms: count,
  byKind,
  byPriority: z.record(z.enum(['1', '2', '3', '4']), count),
  acceptMs: timing,
  arriveMs: timing,
  onTime: share,
  completed: share,
  escalated: share,
  flaggedArrivals: share,
  devices: z.strictObject({ count, online: count, silent24h: count, onlineRate: z.number().nullable() }),
  ratings: z.strictObject({
    count,
    mean: z.number().nullable(),
    byScore: z.record(z.enum(['1', '2', '3', '4', '5']), count),
    by: z.record(z.enum(ratingSources), count),
    unrated: count,
  }),
})

/** The window and grid an answer is for; `at` is when it was counted. */
const head = { from: ms, to: ms, grid: z.array(z.string()), at: ms }

/** The service ledger summarised (docs/visits.md, "Figures"). */
const visitFigures = z.strictObject({
  due: count,
  onTime: count,
  late: count,
  missed: count,
  pending: count,
  doneRate: z.number().nullable(),
  reports: count,
  flagged: count,
  onSiteMin: timing,
  needs: z.strictObject({ raised: count, followedUp: count }),
  helpNeeded: count,
})

export const statsReport = z.strictObject({
  ...head,
  totals: figures,
  children: z.array(figures.extend({ grid: z.array(z.string()), name: z.string() })),
  visits: z
    .strictObject({
      totals: visitFigures,
      byGrid: z.array(visitFigures.extend({ name: z.string() })),
      byStation: z.array(visitFigures.extend({ stationId: z.string() })),
      byRisk: z.record(z.enum(['high', 'medium', 'low', 'safe']), visitFigures),
    })
    .optional(),
  /** The window's alarms per risk grade against the grade's response deadline (docs/visits.md). */
  byRisk: z
    .record(
      z.enum(['high', 'medium', 'low', 'safe']),
      z.strictObject({
        risk: z.enum(['high', 'medium', 'low', 'safe']),
        deadlineMin: count,
        alarms: count,
        responded: count,
        arrived: count,
        withinDeadline: count,
        overdue: count,
      }),
    )
    .optional(),
})

export const chartsReport = z.strictObject({
  ...head,
  /** The time zone the days are counted in. */
  tz: z.string(),
  days: z.array(z.strictObject({ day: z.string(), from: ms, to: ms, alarms: count, byKind, onTime: share })),
  acceptMs: z.strictObject({
    n: count,
    bins: z.array(z.strictObject({ fromMs: z.number(), toMs: z.number().nullable(), count })),
  }),
})

const alarmRow = z.strictObject({
  id: z.string(),
  kind: z.enum(alarmKinds),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  state: z.enum(alarmStates),
  raisedAt: ms,
  elderId: z.string(),
  /** Absent for an elder since erased. */
  elderName: z.string().optional(),
  carerId: z.string().optional(),
  acceptedAt: ms.optional(),
  arrivedAt: ms.optional(),
  outcome: z.enum(outcomes).optional(),
  arrivalDistanceM: z.number().optional(),
})

const deviceRow = z.strictObject({
  id: z.string(),
  kind: z.string(),
  elderId: z.string(),
  elderName: z.string().optional(),
  online: z.boolean(),
  lastSeenAt: ms.optional(),
  createdAt: ms,
})

/** A page of a worklist: alarms, or devices for `silent`; `total` counts every page. */
export const worklist = z.strictObject({
  list: z.enum(worklists),
  ...head,
  total: count,
  items: z.array(z.union([alarmRow, deviceRow])),
  next: z.string().optional(),
})
