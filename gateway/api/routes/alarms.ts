import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { latitude, longitude, outcomes } from '../../../kernel/contract/payloads.ts'
import { alarmKinds, alarmStates } from '../../alarms/model.ts'
import type { Result } from '../../alarms/result.ts'
import { gridKey, resourceId } from '../../registry/schemas.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { alarm, alarmWithTimeline, track } from '../schemas/alarms.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { page } from '../schemas/registry.ts'
import { idParams, inScope, scope } from './registry.ts'

/** Epoch ms or an ISO 8601 date-time. */
export const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
])
const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))

export const alarmQuery = z
  .object({
    state: csv(alarmStates).optional(),
    kind: csv(alarmKinds).optional(),
    grid: z.string().max(500).optional(),
    /** One elder's alarms (the admin console's elder file). */
    elderId: resourceId.optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(200).optional(),
    // the call-back worklist; `false` is the same as leaving it out
    unrated: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict()

export const manualAlarmBody = z
  .object({
    elderId: resourceId,
    kind: z.enum(alarmKinds).default('manual'),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
    note: z.string().max(2000).optional(),
    lat: latitude.optional(),
    lon: longitude.optional(),
  })
  .strict()
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), {
    message: 'lat and lon must come together',
    path: ['lat'],
  })

export const alarmParams = z.object({ id: z.string().min(1).max(64) })

const trackQuery = z.object({ from: instant.optional(), to: instant.optional() }).strict()

export const actionBody = z
  .object({
    action: z.enum(['assign', 'escalate', 'resolve', 'cancel', 'note']),
    carerId: resourceId.optional(),
    outcome: z.enum(outcomes).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict()

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value
  throw new ApiError(result.code, result.message)
}

/** contract: GET /alarms, GET /alarms/{id} with its timeline, POST /alarms, POST /alarms/{id}/actions. */
export function alarmRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  const read = ctx.auth.allow('admin', 'dispatcher', 'supervisor')
  const act = ctx.auth.allow('admin', 'dispatcher')

  api.get(
    '/alarms',
    {
      preHandler: read,
      schema: {
        summary: 'Alarms, newest first, filtered',
        querystring: alarmQuery,
        response: { 200: page(alarm) },
      },
    },
    async (request) => {
      const q = request.query
      const asked = q.grid ? q.grid.split('/').filter(Boolean) : undefined
      const grid = scope(request.caller?.grid, asked)
      return ctx.alarms.list({ ...q, grid: grid ? gridKey(grid) : undefined })
    },
  )

  api.get(
    '/alarms/:id',
    {
      preHandler: read,
      schema: {
        summary: 'One alarm with its timeline',
        params: alarmParams,
        response: { 200: alarmWithTimeline },
        errors: ['ALARM_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const alarm = await ctx.alarms.get(id)
      const elder = alarm ? ctx.registry.getElder(alarm.elderId) : undefined
      if (!alarm || !inScope(request.caller?.grid, elder?.grid))
        throw new ApiError('ALARM_NOT_FOUND', `no alarm ${id}`)
      return { ...alarm, timeline: await ctx.alarms.timeline(id) }
    },
  )

  api.post(
    '/alarms',
    {
      preHandler: act,
      schema: {
        summary: 'Open a manual alarm (hotline call): 201, or 200 with the open alarm it became a note on',
        body: manualAlarmBody,
        response: { 200: alarm, 201: alarm },
        errors: ['ELDER_NOT_FOUND'],
      },
    },
    async (request, reply) => {
      const body = request.body
      const actor = request.caller?.username ?? 'unknown'
      const result = unwrap(
        await ctx.alarms.raise({
          kind: body.kind,
          elderId: body.elderId,
          at: body.lat !== undefined && body.lon !== undefined ? { lat: body.lat, lon: body.lon } : undefined,
          actor,
          priority: body.priority,
          note: body.note,
          data: { source: 'hotline' },
        }),
      )
      if (result.status === 'duplicate') throw new ApiError('INTERNAL', 'unexpected duplicate')
      ctx.audit.record({
        actor,
        action: 'alarm.manual',
        target: result.alarm.id,
        source: request.ip,
        detail: { status: result.status },
      })
      // dispatch has already started: answer with the alarm as it is now, not as it was raised
      const now = (await ctx.alarms.get(result.alarm.id)) ?? result.alarm
      return reply.code(result.status === 'raised' ? 201 : 200).send(now)
    },
  )

  api.post(
    '/alarms/:id/actions',
    {
      preHandler: act,
      schema: {
        summary: 'Assign, escalate, resolve, cancel or note an alarm',
        params: alarmParams,
        body: actionBody,
        response: { 200: alarmWithTimeline },
        errors: [
          'CARER_REQUIRED',
          'NOTE_REQUIRED',
          'OUTCOME_REQUIRED',
          'ALARM_NOT_FOUND',
          'CARER_NOT_FOUND',
          'ALARM_CLOSED',
          'INVALID_STATE',
          'CARER_BUSY',
        ],
      },
    },
    async (request) => {
      const { id } = request.params
      const body = request.body
      const actor = request.caller?.username ?? 'unknown'
      const alarm = await (async () => {
        switch (body.action) {
          case 'assign':
            if (!body.carerId) throw new ApiError('CARER_REQUIRED', 'assign needs carerId')
            return unwrap(await ctx.alarms.assign(id, body.carerId, actor))
          case 'escalate':
            return unwrap(await ctx.alarms.escalate(id, actor, body.note))
          case 'resolve':
            return unwrap(await ctx.alarms.resolve(id, actor, body.outcome, body.note))
          case 'cancel':
            return unwrap(await ctx.alarms.cancel(id, actor, body.note))
          case 'note':
            if (!body.note) throw new ApiError('NOTE_REQUIRED', 'note needs a note')
            return unwrap(await ctx.alarms.note(id, actor, body.note))
        }
      })()
      ctx.audit.record({
        actor,
        action: `alarm.${body.action}`,
        target: id,
        source: request.ip,
        detail: { carerId: body.carerId ?? null },
      })
      return { ...alarm, timeline: await ctx.alarms.timeline(id) }
    },
  )

  api.get(
    '/devices/:id/track',
    {
      preHandler: read,
      schema: {
        summary: 'A device’s positions between from and to (by default the last 24 hours)',
        params: idParams,
        querystring: trackQuery,
        response: { 200: track },
        errors: ['DEVICE_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const q = request.query
      const device = ctx.registry.getDevice(id)
      if (!device || !inScope(request.caller?.grid, ctx.registry.getElder(device.elderId)?.grid)) {
        throw new ApiError('DEVICE_NOT_FOUND', `no device ${id}`)
      }
      const to = q.to ?? ctx.clock.now() + 60_000
      const from = q.from ?? to - 24 * 3_600_000
      const items = (await ctx.telemetry.track(id, from, to)).map((p) => ({
        ts: p.ts,
        lat: p.lat,
        lon: p.lon,
        ...(p.acc !== undefined ? { acc: p.acc } : {}),
        ...(p.src !== undefined ? { src: p.src } : {}),
      }))
      return { deviceId: id, from, to, items }
    },
  )
}
