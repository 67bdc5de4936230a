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
    /** An /api/v1 route that takes no token must say so; any other without a role guard is refused at start. */
    public?: true
  }
  interface FastifyInstance {
    routeTable: RouteInfo[]
  }
}

/** The API's routes: each one needs a role guard or `config.public`. */
const API_PREFIX = '/api/v1/'

type Guard = ((...args: never[]) => unknown) & { roles: readonly Role[] }
const isGuard = (g: unknown): g is Guard => typeof g === 'function' && 'roles' in g

/**
 * Collects every route as it is registered, with the roles its guard
 * admits. The role matrix test and the OpenAPI document are generated from
 * this table, so a new route cannot be forgotten by either.
 *
 * It also moves each route's role guard (`ctx.auth.allow(...)`, written as a
 * `preHandler`) to the front of its `onRequest` hooks: Fastify reads and
 * parses the body between the two, and a caller without a valid token must
 * not get a 30 MB body read on their behalf (docs/security.md).
 */
export function collectRoutes(app: FastifyInstance): void {
  const table: RouteInfo[] = []
  app.decorate('routeTable', table)
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const preHandlers = [route.preHandler].flat().filter(Boolean) as unknown[]
    const onRequest = [route.onRequest].flat().filter(Boolean) as unknown[]
    const guard = [...onRequest, ...preHandlers].find(isGuard)
    if (guard) {
      route.onRequest = [guard, ...onRequest.filter((h) => h !== guard)] as NonNullable<
        RouteOptions['onRequest']
      >
      route.preHandler = preHandlers.filter((h) => h !== guard) as NonNullable<RouteOptions['preHandler']>
    } else if (route.url.startsWith(API_PREFIX) && route.config?.public !== true) {
      throw new Error(
        `${methods.join(',')} ${route.url}: no role guard; add ctx.auth.allow(...) or config.public`,
      )
    }
    for (const method of methods) {
      if (method === 'HEAD') continue
      const info: RouteInfo = { method, url: route.url, roles: guard ? guard.roles : 'public' }
      const doc = route.config?.doc
      if (doc) info.doc = doc
      table.push(info)
    }
  })
}
