import type { FastifyInstance, RouteOptions } from 'fastify'
import type { ZodType } from 'zod'
import type { Role } from '../registry/schemas.ts'
import { type ErrorCode, errorCodes } from './errors.ts'
import { errorAnswer } from './schemas/errors.ts'

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI page. */
    summary?: string
    /**
     * The coded errors this route answers beyond those every route of its kind can give, which the
     * route table adds (`commonErrors`). Their statuses come from gateway/api/errors.ts.
     */
    errors?: readonly ErrorCode[]
  }
  interface FastifyContextConfig {
    /** An /api/v1 route that takes no token must say so; any other without a role guard is refused at start. */
    public?: true
  }
  interface FastifyInstance {
    routeTable: RouteInfo[]
  }
}

/** What a route declares in its `schema`, as the route table keeps it for the docs and the tests. */
export interface RouteDoc {
  summary?: string
  params?: ZodType
  query?: ZodType
  body?: ZodType
  /** The answers that are not errors, by status. */
  responses: Readonly<Record<number, ZodType>>
  /** Every coded error the route can answer: its own and those of every route of its kind. */
  errors: readonly ErrorCode[]
  /** A WebSocket upgrade rather than a JSON exchange. */
  websocket?: boolean
}

export interface RouteInfo {
  method: string
  url: string
  /** Roles admitted, or 'public' for routes without a token. */
  roles: readonly Role[] | 'public'
  doc: RouteDoc
}

/** The API's routes: each one needs a role guard or `config.public`. */
const API_PREFIX = '/api/v1/'
/** Methods whose body Fastify reads and parses, whether or not the route wants one. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

type Guard = ((...args: never[]) => unknown) & { roles: readonly Role[] }
const isGuard = (g: unknown): g is Guard => typeof g === 'function' && 'roles' in g

/**
 * Collects every route as it is registered, with the roles its guard
 * admits and the schemas it declares. The role matrix test, the OpenAPI
 * document and the test that checks every answer against its schema are
 * generated from this table, so a new route cannot be forgotten by any.
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
      table.push({
        method,
        url: route.url,
        roles: guard ? guard.roles : 'public',
        doc: docOf(route, method, guard !== undefined),
      })
    }
  })
}

function docOf(route: RouteOptions, method: string, guarded: boolean): RouteDoc {
  const schema = route.schema ?? {}
  const doc: RouteDoc = {
    responses: (schema.response ?? {}) as Record<number, ZodType>,
    errors: [...new Set([...(schema.errors ?? []), ...commonErrors(method, schema, guarded)])],
  }
  if (schema.summary) doc.summary = schema.summary
  if (schema.params) doc.params = schema.params as ZodType
  if (schema.querystring) doc.query = schema.querystring as ZodType
  if (schema.body) doc.body = schema.body as ZodType
  if ((route as { websocket?: boolean }).websocket) doc.websocket = true
  return doc
}

/** What any route of its kind can answer (docs/api.md, "Errors"), so no route has to repeat it. */
function commonErrors(method: string, schema: NonNullable<RouteOptions['schema']>, guarded: boolean) {
  const codes: ErrorCode[] = []
  if (schema.params || schema.querystring || schema.body) codes.push('BAD_REQUEST')
  if (WITH_BODY.has(method)) codes.push('INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE')
  if (guarded) codes.push('UNAUTHENTICATED', 'FORBIDDEN')
  codes.push('INTERNAL')
  return codes
}

/** The schema of a route's answer with this status: a success it declares, or its error codes of that status. */
export function answerSchema(doc: RouteDoc, status: number): ZodType | undefined {
  const success = doc.responses[status]
  if (success) return success
  const codes = doc.errors.filter((code) => errorCodes[code].status === status)
  return codes.length > 0 ? errorAnswer(codes) : undefined
}
