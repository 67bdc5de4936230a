import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sameText, sha256 } from '../../registry/secrets.ts'
import { bearer } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { prometheusText } from '../schemas/system.ts'

export interface MetricsRouteOptions {
  /** CARE_METRICS_TOKEN: accepted here and nowhere else, so a scraper never holds an admin's power. */
  token?: string | undefined
}

/**
 * `GET /metrics`: the Prometheus text exposition of this gateway's registry (docs/operations.md). An admin
 * may read it; so may whoever holds the metrics token (docs/decisions.md: Prometheus scrapes with a token of
 * its own).
 */
export function metricsRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  options: MetricsRouteOptions = {},
): void {
  const admin = ctx.auth.allow('admin')
  const tokenHash = options.token ? sha256(options.token) : undefined
  const guard = Object.assign(
    async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearer(request)
      if (tokenHash && token && sameText(sha256(token), tokenHash)) return
      await admin(request, reply)
    },
    { roles: admin.roles },
  )
  app.withTypeProvider<ZodSchemas>().get(
    '/metrics',
    {
      preHandler: guard,
      schema: {
        summary: 'Counters, gauges and histograms in Prometheus text format (admin, or the metrics token)',
        response: { 200: prometheusText },
      },
    },
    async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.text()),
  )
}
