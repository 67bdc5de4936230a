import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ApiContext } from '../context.ts'
import { auditEntry } from '../schemas/audit.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { page } from '../schemas/registry.ts'
import { instant } from './alarms.ts'

export const auditQuery = z
  .object({
    actor: z.string().max(64).optional(),
    action: z.string().max(64).optional(),
    target: z.string().max(200).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict()

/** GET /audit: who did what, when and from where — logins, refusals, actions, registry changes. Admins only. */
export function auditRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodSchemas>().get(
    '/audit',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary: 'The audit log, newest first',
        querystring: auditQuery,
        response: { 200: page(auditEntry) },
      },
    },
    async (request) => {
      const q = request.query
      return ctx.audit.list({ ...q, before: q.cursor })
    },
  )
}
