import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.ts'

/** GET /stats and alarm ratings. */
export function statsRoutes(_app: FastifyInstance, _ctx: ApiContext): void {}
