import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ApiContext } from '../context.ts'
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
  app.get(
    '/audit',
    {
      preHandler: ctx.auth.allow('admin'),
      config: { doc: { summary: 'The audit log, newest first', query: auditQuery } },
    },
    async (request) => {
      const q = auditQuery.parse(request.query)
      return ctx.audit.list({ ...q, before: q.cursor })
    },
  )
}
