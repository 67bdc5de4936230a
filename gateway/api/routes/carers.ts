import type { FastifyInstance, FastifyRequest } from 'fastify'
import { dutyPayload, replyPayload } from '../../contract/payloads.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { unwrap } from './alarms.ts'
import { idParams } from './registry.ts'

/** contract: GET /carers/{id}/tasks, POST /carers/{id}/reply (same body as the MQTT reply), and duty over HTTP. */
export function carerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const carerOrCentre = ctx.auth.allow('admin', 'dispatcher', 'carer')

  const ownId = (request: FastifyRequest): string => {
    const { id } = idParams.parse(request.params)
    const caller = request.caller
    if (caller?.role === 'carer' && caller.carerId !== id) {
      throw new ApiError('FORBIDDEN', 'a carer acts only for themself')
    }
    if (!ctx.carers.get(id)) throw new ApiError('CARER_NOT_FOUND', `no carer ${id}`)
    return id
  }

  app.get('/carers/:id/tasks', { preHandler: carerOrCentre }, async (request) => {
    const id = ownId(request)
    return { items: ctx.dispatcher.openTasks(id) }
  })

  app.post('/carers/:id/reply', { preHandler: carerOrCentre }, async (request) => {
    const id = ownId(request)
    const reply = replyPayload.parse(request.body)
    const result = ctx.dispatcher.reply(id, reply)
    if (!result.ok) {
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'http.reply_refused',
        target: reply.alarmId,
        detail: { carerId: id, action: reply.action, code: result.code },
      })
    }
    const alarm = unwrap(result)
    return { ...alarm, timeline: ctx.alarms.timeline(alarm.id) }
  })

  app.post('/carers/:id/duty', { preHandler: carerOrCentre }, async (request) => {
    const id = ownId(request)
    const { status } = dutyPayload.parse(request.body)
    ctx.carers.setDuty(id, status, ctx.clock.now())
    ctx.audit.record({
      actor: request.caller?.username,
      action: 'carer.duty',
      target: id,
      detail: { status },
    })
    const carer = ctx.carers.get(id)
    return { id, duty: carer?.duty ?? status, busy: carer?.busy ?? false }
  })
}
