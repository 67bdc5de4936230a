import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { type Rating, ratingSources } from '../../alarms/model.ts'
import { gridKey } from '../../registry/schemas.ts'
import { StatsRunner } from '../../stats/run.ts'
import { Stats } from '../../stats/stats.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { instant, unwrap } from './alarms.ts'
import { inScope, scope } from './registry.ts'

/** docs/stats.md: without `from`, the window is the 30 days before `to`. */
const DEFAULT_WINDOW_MS = 30 * 24 * 3_600_000

export const statsQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    grid: z.string().max(500).optional(),
  })
  .strict()

export const ratingBody = z
  .object({
    score: z.number().int().min(1).max(5),
    by: z.enum(ratingSources),
    note: z.string().max(2000).optional(),
  })
  .strict()

const alarmParams = z.object({ id: z.string().min(1).max(64) })

/** GET /stats and alarm ratings. */
export function statsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const read = ctx.auth.allow('admin', 'dispatcher', 'supervisor')
  const act = ctx.auth.allow('admin', 'dispatcher')
  // an in-memory store has no file a worker could open: report inline then
  const inline = ctx.store.path === ':memory:' ? new Stats(ctx.store.db) : undefined
  const runner = new StatsRunner(ctx.store.path)

  app.get(
    '/stats',
    {
      preHandler: read,
      config: { doc: { summary: 'KPIs of a grid and of each grid below it', query: statsQuery } },
    },
    async (request) => {
      const q = statsQuery.parse(request.query)
      const now = ctx.clock.now()
      const to = q.to ?? now
      const from = q.from ?? to - DEFAULT_WINDOW_MS
      if (from >= to) throw new ApiError('BAD_REQUEST', 'from: must be before to')
      // contract: a scoped supervisor sees nothing outside their grid; an outside ?grid= narrows to it,
      // as GET /alarms does
      const asked = q.grid ? q.grid.split('/').filter(Boolean) : undefined
      const grid = scope(request.caller?.grid, asked) ?? []
      const window = { prefix: gridKey(grid), from, to, now }
      // off the event loop: a report over a long window must not delay a PUBACK or an offer
      return inline ? inline.report(grid, window) : runner.report(grid, window)
    },
  )

  app.post(
    '/alarms/:id/rating',
    { preHandler: act, config: { doc: { summary: 'Rate a closed alarm (call-back)', body: ratingBody } } },
    async (request, reply) => {
      const { id } = alarmParams.parse(request.params)
      const body = ratingBody.parse(request.body)
      const actor = request.caller?.username ?? 'unknown'
      const alarm = ctx.alarms.get(id)
      if (!alarm || !inScope(request.caller?.grid, ctx.registry.getElder(alarm.elderId)?.grid))
        throw new ApiError('ALARM_NOT_FOUND', `no alarm ${id}`)
      const rating: Rating = { score: body.score as Rating['score'], by: body.by, note: body.note }
      const rated = unwrap(ctx.alarms.rate(id, actor, rating))
      ctx.audit.record({
        actor,
        action: 'alarm.rate',
        target: id,
        source: request.ip,
        detail: { score: body.score, by: body.by },
      })
      return reply.code(201).send({ ...rated, timeline: ctx.alarms.timeline(id) })
    },
  )
}
