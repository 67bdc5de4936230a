import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { type Rating, ratingSources } from '../../alarms/model.ts'
import { gridKey } from '../../registry/schemas.ts'
import { daysOf, isTimeZone, localZone, MAX_DAYS } from '../../stats/days.ts'
import { type Window, worklists } from '../../stats/ports.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { alarmWithTimeline } from '../schemas/alarms.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { chartsReport, statsReport, worklist } from '../schemas/stats.ts'
import { alarmParams, instant, unwrap } from './alarms.ts'
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

export const chartsQuery = statsQuery
  .extend({ tz: z.string().max(64).refine(isTimeZone, 'not a time zone name').optional() })
  .strict()

export const worklistQuery = statsQuery
  .extend({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict()

const worklistParams = z.object({ list: z.enum(worklists) })

export const ratingBody = z
  .object({
    score: z.number().int().min(1).max(5),
    by: z.enum(ratingSources),
    note: z.string().max(2000).optional(),
  })
  .strict()

/** The window and grid every stats answer is for, from the query and the caller's scope. */
function windowOf(
  ctx: ApiContext,
  request: FastifyRequest,
  q: z.infer<typeof statsQuery>,
): { grid: string[]; window: Window } {
  const now = ctx.clock.now()
  const to = q.to ?? now
  const from = q.from ?? to - DEFAULT_WINDOW_MS
  if (from >= to) throw new ApiError('BAD_REQUEST', 'from: must be before to')
  // contract: a scoped supervisor sees nothing outside their grid; an outside ?grid= narrows to it,
  // as GET /alarms does
  const asked = q.grid ? q.grid.split('/').filter(Boolean) : undefined
  const grid = scope(request.caller?.grid, asked) ?? []
  return { grid, window: { prefix: gridKey(grid), from, to, now } }
}

/** GET /stats, the supervision page's charts and worklists, and alarm ratings. */
export function statsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  const read = ctx.auth.allow('admin', 'dispatcher', 'supervisor')
  const act = ctx.auth.allow('admin', 'dispatcher')

  api.get(
    '/stats',
    {
      preHandler: read,
      schema: {
        summary: 'KPIs of a grid and of each grid one level below it',
        querystring: statsQuery,
        response: { 200: statsReport },
      },
    },
    async (request) => {
      const { grid, window } = windowOf(ctx, request, request.query)
      return ctx.stats.report(grid, window, {
        zone: ctx.visits.settings.timeZone,
        responseMin: ctx.responseMin,
      })
    },
  )

  api.get(
    '/stats/charts',
    {
      preHandler: read,
      schema: {
        summary: 'Alarms per day and kind, on time per day, time to accept',
        querystring: chartsQuery,
        response: { 200: chartsReport },
      },
    },
    async (request) => {
      const q = request.query
      const { grid, window } = windowOf(ctx, request, q)
      const tz = q.tz ?? localZone()
      const days = daysOf(window.from, window.to, tz)
      if (days.length > MAX_DAYS)
        throw new ApiError('BAD_REQUEST', `from: at most ${MAX_DAYS} days of charts`)
      return ctx.stats.charts(grid, window, tz, days)
    },
  )

  api.get(
    '/stats/lists/:list',
    {
      preHandler: read,
      schema: {
        summary: 'A supervision worklist (late, flagged, unrated, silent), paged',
        params: worklistParams,
        querystring: worklistQuery,
        response: { 200: worklist },
      },
    },
    async (request) => {
      const { list } = request.params
      const q = request.query
      const { grid, window } = windowOf(ctx, request, q)
      return ctx.stats.worklist(list, grid, window, q.limit, q.cursor)
    },
  )

  api.post(
    '/alarms/:id/rating',
    {
      preHandler: act,
      schema: {
        summary: 'Rate a closed alarm (call-back): 201 with the alarm and its timeline',
        params: alarmParams,
        body: ratingBody,
        response: { 201: alarmWithTimeline },
        errors: ['ALARM_NOT_FOUND', 'INVALID_STATE'],
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const body = request.body
      const actor = request.caller?.username ?? 'unknown'
      const alarm = await ctx.alarms.get(id)
      if (!alarm || !inScope(request.caller?.grid, ctx.registry.getElder(alarm.elderId)?.grid))
        throw new ApiError('ALARM_NOT_FOUND', `no alarm ${id}`)
      const rating: Rating = { score: body.score as Rating['score'], by: body.by, note: body.note }
      const rated = unwrap(await ctx.alarms.rate(id, actor, rating))
      ctx.audit.record({
        actor,
        action: 'alarm.rate',
        target: id,
        source: request.ip,
        detail: { score: body.score, by: body.by },
      })
      return reply.code(201).send({ ...rated, timeline: await ctx.alarms.timeline(id) })
    },
  )
}
