import { z } from 'zod'
import { resourceId, roles } from '../../registry/schemas.ts'
import { ms } from './registry.ts'

/** Health and sessions (contract: `GET /health`, `POST /auth/login`). */

const up = z.enum(['up', 'down'])

export const health = z.strictObject({
  /** `degraded` answers 503. */
  status: z.enum(['ok', 'degraded']),
  broker: z.strictObject({ status: up, connections: z.number().int() }),
  store: z.strictObject({ status: up, schema: z.number().int() }),
  /** `embedded` without a TSDB; else its outbox and write counters (docs/history.md). */
  history: z.union([
    z.strictObject({ status: z.literal('embedded') }),
    z.strictObject({
      status: up,
      outbox: z.strictObject({ depth: z.number().int(), limit: z.number().int(), lagMs: z.number() }),
      written: z.number().int(),
      dropped: z.number().int(),
      rejected: z.number().int(),
      failures: z.number().int(),
      lastError: z.string().optional(),
      erasures: z.strictObject({ pending: z.number().int(), manual: z.number().int() }).optional(),
    }),
  ]),
  flows: z.strictObject({
    status: z.enum(['off', 'starting', 'up', 'down']),
    errors: z.number().int().optional(),
  }),
  uptimeS: z.number(),
  openAlarms: z.number().int(),
  carersOnDuty: z.number().int(),
  timers: z.number().int(),
  /** Cluster mode (docs/cluster.md): this node, the live nodes it sees, the lanes it holds. */
  cluster: z.strictObject({ node: z.string(), nodes: z.number().int(), lanes: z.number().int() }).optional(),
})

/** The bearer token is the one credential an answer carries: the caller's own new session. */
export const session = z.strictObject({ token: z.string(), role: z.enum(roles), expiresAt: ms })

export const carerSession = z.strictObject({
  token: z.string(),
  role: z.literal('carer'),
  carerId: resourceId,
  expiresAt: ms,
})

export const retired = z.strictObject({ retiredAt: ms })

/** No body: 204. */
export const noContent = z.undefined()

/** `GET /metrics`: the Prometheus text exposition, not JSON. */
export const prometheusText = z.string().meta({ contentMediaType: 'text/plain; version=0.0.4' })
