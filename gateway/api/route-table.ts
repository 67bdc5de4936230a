import type { FastifyInstance, RouteOptions } from 'fastify'
import type { ZodType } from 'zod'
import type { Role } from '../registry/schemas.ts'

/** What a route tells the route table beyond its method and URL (`config.doc` in its options). */
export interface RouteDoc {
  summary: string
  params?: ZodType
  query?: ZodType
  body?: ZodType
  /** A WebSocket upgrade rather than a JSON exchange. */
  websocket?: boolean
}

export interface RouteInfo {
  method: string
  url: string
  /** Roles admitted, or 'public' for routes without a token. */
  roles: readonly Role[] | 'public'
  doc?: RouteDoc
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc
  }
  interface FastifyInstance {
    routeTable: RouteInfo[]
  }
}

/**
 * Collects every route as it is registered, with the roles its guard
 * admits. The role matrix test and the OpenAPI document are generated from
 * this table, so a new route cannot be forgotten by either.
 */
export function collectRoutes(app: FastifyInstance): void {
  const table: RouteInfo[] = []
  app.decorate('routeTable', table)
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const guards = [route.preHandler].flat().filter(Boolean) as unknown[]
    const guard = guards.find((g): g is { roles: readonly Role[] } => typeof g === 'function' && 'roles' in g)
    for (const method of methods) {
      if (method === 'HEAD') continue
      const info: RouteInfo = { method, url: route.url, roles: guard ? guard.roles : 'public' }
      const doc = route.config?.doc
      if (doc) info.doc = doc
      table.push(info)
    }
  })
}
