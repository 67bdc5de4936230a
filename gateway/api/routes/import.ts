import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.ts'

/** POST /import: elders, devices and carers in bulk (CSV or JSON). */
export function importRoutes(_app: FastifyInstance, _ctx: ApiContext): void {}
