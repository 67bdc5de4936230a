import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { gridPath } from '../../registry/schemas.ts'
import type { ApiContext } from '../context.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { gridChildren } from '../schemas/registry.ts'
import { scope } from './registry.ts'

const gridQuery = z
  .object({
    parent: z
      .string()
      .max(500)
      .optional()
      .transform((g) => (g ? g.split('/').filter(Boolean) : []))
      .pipe(gridPath.max(6)),
  })
  .strict()

/**
 * GET /grids: the grid names in use one level below a path, from the registered elders — what the
 * admin console offers, level by level, when an elder's grid path is chosen. A scoped supervisor is
 * answered inside their grid, as for the elders themselves.
 */
export function gridRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodSchemas>().get(
    '/grids',
    {
      preHandler: ctx.auth.allow('admin', 'dispatcher', 'supervisor'),
      schema: {
        summary: 'Grid names in use one level below `?parent=` (a path with `/`), with their elders',
        querystring: gridQuery,
        response: { 200: gridChildren },
      },
    },
    async (request) => {
      // a path outside a supervisor's scope (or above it) is answered for the scope itself: `parent` says which
      const parent = scope(request.caller?.grid, request.query.parent) ?? []
      return { parent, items: ctx.registry.gridChildren(parent) }
    },
  )
}
