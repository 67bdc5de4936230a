import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { commandBody, commandSent } from '../schemas/commands.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { idParams, inScope } from './registry.ts'

/**
 * The centre's commands to a watch (docs/devices.md, "Commands"): locate now,
 * the report interval, the SOS numbers, the centre's number, a text on the
 * screen, ring. Sent while the watch is connected; nothing is queued for later.
 */
export function commandRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  api.post(
    '/devices/:id/commands',
    {
      preHandler: ctx.auth.allow('admin', 'dispatcher'),
      schema: {
        summary:
          'Send a command to a watch connected now (locate, interval, SOS numbers, centre, message, find)',
        params: idParams,
        body: commandBody,
        response: { 202: commandSent },
        errors: ['DEVICE_NOT_FOUND', 'DEVICE_NOT_CONNECTED'],
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const device = ctx.registry.getDevice(id)
      if (!device || !inScope(request.caller?.grid, ctx.registry.getElder(device.elderId)?.grid)) {
        throw new ApiError('DEVICE_NOT_FOUND', `no device ${id}`)
      }
      const command = request.body
      if (!ctx.commands.send(id, command)) {
        throw new ApiError('DEVICE_NOT_CONNECTED', `device ${id} is not connected to the watch listener`)
      }
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'device.command',
        target: id,
        source: request.ip,
        detail: { command: command.command },
      })
      return reply.code(202).send({ deviceId: id, command, sentAt: ctx.clock.now() })
    },
  )
}
