import type { FastifyInstance } from 'fastify'
import { dutyPayload, replyPayload } from '../../../kernel/contract/payloads.ts'
import type { Caller } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { alarmWithTimeline, duty, tasks } from '../schemas/alarms.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { unwrap } from './alarms.ts'
import { idParams } from './registry.ts'

/** contract: GET /carers/{id}/tasks, POST /carers/{id}/reply (same body as the MQTT reply), and duty over HTTP. */
export function carerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  const carerOrCentre = ctx.auth.allow('admin', 'dispatcher', 'carer')

  /** contract: a carer acts only for themself. */
  const ownId = (id: string, caller: Caller | undefined): string => {
    if (caller?.role === 'carer' && caller.carerId !== id) {
      throw new ApiError('FORBIDDEN', 'a carer acts only for themself')
    }
    if (!ctx.carers.get(id)) throw new ApiError('CARER_NOT_FOUND', `no carer ${id}`)
    return id
  }

  api.get(
    '/carers/:id/tasks',
    {
      preHandler: carerOrCentre,
      schema: {
        summary: 'A carer’s open work: the alarms they hold (with their state), then open offers',
        params: idParams,
        response: { 200: tasks },
        errors: ['CARER_NOT_FOUND'],
      },
    },
    async (request) => {
      const id = ownId(request.params.id, request.caller)
      return { items: await ctx.alarms.openTasks(id) }
    },
  )

  api.post(
    '/carers/:id/reply',
    {
      preHandler: carerOrCentre,
      schema: {
        summary: 'Accept, decline, arrive or resolve, as the MQTT reply does; the alarm with its timeline',
        params: idParams,
        body: replyPayload,
        response: { 200: alarmWithTimeline },
        errors: [
          'CARER_NOT_FOUND',
          'ALARM_NOT_FOUND',
          'OUTCOME_REQUIRED',
          'ALARM_CLOSED',
          'ALARM_ALREADY_ACCEPTED',
          'OFFER_NOT_FOUND',
          'OFFER_EXPIRED',
          'NOT_ASSIGNED',
          'INVALID_STATE',
        ],
      },
    },
    async (request) => {
      const id = ownId(request.params.id, request.caller)
      const reply = request.body
      const result = await ctx.alarms.reply(id, reply)
      if (!result.ok) {
        ctx.audit.record({
          actor: request.caller?.username,
          action: 'http.reply_refused',
          target: reply.alarmId,
          detail: { carerId: id, action: reply.action, code: result.code },
        })
      }
      const alarm = unwrap(result)
      return { ...alarm, timeline: await ctx.alarms.timeline(alarm.id) }
    },
  )

  api.post(
    '/carers/:id/duty',
    {
      preHandler: carerOrCentre,
      schema: {
        summary: 'Go on or off duty, as the MQTT duty does',
        params: idParams,
        body: dutyPayload,
        response: { 200: duty },
        errors: ['CARER_NOT_FOUND'],
      },
    },
    async (request) => {
      const id = ownId(request.params.id, request.caller)
      const { status } = request.body
      await ctx.carers.setDuty(id, status, ctx.clock.now())
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'carer.duty',
        target: id,
        detail: { status },
      })
      const carer = ctx.carers.get(id)
      return { id, duty: carer?.duty ?? status, busy: carer?.busy ?? false }
    },
  )
}
