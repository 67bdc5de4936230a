import type { WebSocket } from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { openStates } from '../../alarms/model.ts'
import {
  type LiveSnapshot,
  type LiveSubscriber,
  type LiveViewer,
  liveCarerOf,
  seesCarer,
} from '../../live/hub.ts'
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
      if (replay) {
        for (const json of replay) socket.send(json)
        socket.on('close', ctx.live.subscribe(subscriber))
        return
      }
      // Subscribed before the snapshot is read, the events meanwhile held back: none falls between.
      const held: string[] = []
      let flowing = false
      const gated: LiveSubscriber = {
        viewer,
        send: (json) => (flowing ? subscriber.send(json) : held.push(json) > 0),
        drop: (reason) => subscriber.drop(reason),
      }
      socket.on('close', ctx.live.subscribe(gated))
      const seq = ctx.live.seq
      snapshot(ctx, viewer, seq).then(
        (first) => {
          socket.send(JSON.stringify(first))
          for (const json of held.splice(0)) socket.send(json)
          flowing = true
        },
        (error: unknown) => {
          request.log.error({ err: error }, 'live snapshot failed')
          socket.close(1011, 'snapshot failed')
        },
      )
    },
  )
}

async function snapshot(ctx: ApiContext, viewer: LiveViewer, seq: number): Promise<LiveSnapshot> {
  const grid = viewer.grid && viewer.grid.length > 0 ? gridKey([...viewer.grid]) : undefined
  const page =
    viewer.role === 'carer'
      ? await ctx.alarms.list({ carerId: viewer.carerId, state: [...openStates], limit: 500 })
      : await ctx.alarms.list({ state: [...openStates], grid, limit: 500 })
  const alarms = page.items
  const carers = [...ctx.carers.all()].filter((c) => seesCarer(viewer, c.id)).map(liveCarerOf)
  return { type: 'snapshot', seq, at: ctx.clock.now(), alarms, carers }
}
