import type { WebSocket } from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { openStates } from '../../alarms/model.ts'
import { type LiveSubscriber, type LiveViewer, seesCarer } from '../../live/hub.ts'
import { gridKey } from '../../registry/schemas.ts'
import { viewerOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import type { ZodSchemas } from '../schemas/provider.ts'

export const liveQuery = z
  .object({
    since: z.coerce.number().int().nonnegative().optional(),
    token: z.string().max(200).optional(),
  })
  .strict()

/** A client that has this much unsent is too slow for the stream and is dropped. */
export const SLOW_CLIENT_BYTES = 1_048_576

/**
 * GET /live (WebSocket): a snapshot, then every alarm, carer and device
 * change in order, filtered by the caller's role and scope. `?since=N`
 * resumes after event N when it is still in memory, else starts again from
 * a snapshot. Browsers pass the token as `?token=`.
 */
export function liveRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodSchemas>().get(
    '/live',
    {
      websocket: true,
      preHandler: ctx.auth.allow('admin', 'dispatcher', 'supervisor', 'carer'),
      schema: {
        summary: 'Live stream (WebSocket): a snapshot, then every alarm, carer and device change',
        querystring: liveQuery,
      },
    },
    (socket: WebSocket, request) => {
      const caller = request.caller
      if (!caller) return socket.close(1008, 'unauthenticated')
      const { since } = request.query
      const viewer = viewerOf(caller)
      const subscriber: LiveSubscriber = {
        viewer,
        send(json) {
          if (socket.bufferedAmount > SLOW_CLIENT_BYTES) return false
          socket.send(json)
          return true
        },
        drop(reason) {
          ctx.metrics.inc('care_live_dropped_total')
          socket.close(1013, reason)
        },
      }
      const replay = since !== undefined ? ctx.live.since(since, viewer) : undefined
      if (replay) for (const json of replay) socket.send(json)
      else socket.send(JSON.stringify(snapshot(ctx, viewer)))
      const unsubscribe = ctx.live.subscribe(subscriber)
      socket.on('close', unsubscribe)
    },
  )
}

function snapshot(ctx: ApiContext, viewer: LiveViewer) {
  const grid = viewer.grid && viewer.grid.length > 0 ? gridKey([...viewer.grid]) : undefined
  const alarms =
    viewer.role === 'carer'
      ? ctx.alarms.list({ carerId: viewer.carerId, state: [...openStates], limit: 500 }).items
      : ctx.alarms.list({ state: [...openStates], grid, limit: 500 }).items
  const carers = [...ctx.carers.all()]
    .filter((c) => seesCarer(viewer, c.id))
    .map((c) => ({ id: c.id, name: c.name, duty: c.duty, busy: c.busy, mode: c.mode, position: c.position }))
  return { type: 'snapshot', seq: ctx.live.seq, at: ctx.clock.now(), alarms, carers }
}
