import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { type ZodType, z } from 'zod'
import { dutyPayload, replyPayload } from '../contract/payloads.ts'
import { carerBody, deviceBody, elderBody, serviceBody, userBody } from '../registry/schemas.ts'
import { errorCodes } from './errors.ts'
import type { RouteDoc, RouteInfo } from './route-table.ts'
import { actionBody, alarmQuery, manualAlarmBody } from './routes/alarms.ts'
import { listQuery } from './routes/registry.ts'
import { loginBody } from './routes/system.ts'

/**
 * What each route is for and which schemas it takes, keyed by "METHOD url".
 * Routes may also carry their own `config.doc`; one of the two is required
 * (a test fails for a route documented nowhere).
 */
export const routeDocs: Record<string, RouteDoc> = {
  'GET /api/v1/health': { summary: 'Health of the broker, store, history and flows' },
  'GET /api/v1/metrics': { summary: 'Counters and gauges in Prometheus text format' },
  'POST /api/v1/auth/login': { summary: 'Log in: a bearer token and the role', body: loginBody },
  'POST /api/v1/auth/logout': { summary: 'End the session of the token used' },
  'PUT /api/v1/elders/:id': { summary: 'Create or replace an elder', body: elderBody },
  'GET /api/v1/elders': { summary: 'Elders, newest first', query: listQuery },
  'GET /api/v1/elders/:id': { summary: 'One elder' },
  'PUT /api/v1/devices/:id': { summary: 'Create or replace a device (with its secret)', body: deviceBody },
  'GET /api/v1/devices': { summary: 'Devices, newest first', query: listQuery },
  'GET /api/v1/devices/:id': { summary: 'One device (never its secret)' },
  'PUT /api/v1/carers/:id': { summary: 'Create or replace a carer (with its secret)', body: carerBody },
  'GET /api/v1/carers': { summary: 'Carers, newest first', query: listQuery },
  'GET /api/v1/carers/:id': { summary: 'One carer with live duty and position' },
  'PUT /api/v1/services/:id': {
    summary: 'Create or replace an integration’s MQTT identity',
    body: serviceBody,
  },
  'PUT /api/v1/users/:username': { summary: 'Create or replace a web user', body: userBody },
  'GET /api/v1/users': { summary: 'Web users' },
  'GET /api/v1/users/:username': { summary: 'One web user (never the password)' },
  'GET /api/v1/alarms': { summary: 'Alarms, newest first, filtered', query: alarmQuery },
  'GET /api/v1/alarms/:id': { summary: 'One alarm with its timeline' },
  'POST /api/v1/alarms': { summary: 'Open a manual alarm (hotline call)', body: manualAlarmBody },
  'POST /api/v1/alarms/:id/actions': {
    summary: 'Assign, escalate, resolve, cancel or note an alarm',
    body: actionBody,
  },
  'GET /api/v1/carers/:id/tasks': { summary: 'A carer’s open offers and assigned alarms' },
  'POST /api/v1/carers/:id/reply': { summary: 'Accept, decline, arrive or resolve', body: replyPayload },
  'POST /api/v1/carers/:id/duty': { summary: 'Go on or off duty', body: dutyPayload },
  'GET /api/v1/devices/:id/track': { summary: 'A device’s positions between from and to' },
}

/** The OpenAPI document, filled from the route table once every route is registered. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: {
      title: 'Home-care alarm gateway',
      version: '1',
      description: 'The HTTP side of the contract. Errors are {error: {code, message}}; see docs/api.md.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {},
  }
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  app.addHook('onReady', async () => {
    document.paths = openApiPaths(app.routeTable)
  })
}

export function openApiPaths(table: readonly RouteInfo[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of table) {
    if (!route.url.startsWith('/api/v1/')) continue
    const doc = route.doc ?? routeDocs[`${route.method} ${route.url}`]
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    const operation: Record<string, unknown> = {
      summary: doc?.summary ?? `${route.method} ${route.url}`,
      description: route.roles === 'public' ? 'No token needed.' : `Roles: ${route.roles.join(', ')}.`,
      parameters: [
        ...[...route.url.matchAll(/:(\w+)/g)].map((m) => ({
          name: m[1],
          in: 'path',
          required: true,
          schema: { type: 'string' },
        })),
        ...queryParameters(doc?.query),
      ],
      responses: responses(route),
    }
    if (route.roles !== 'public') operation.security = [{ bearer: [] }]
    if (doc?.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(doc.body) } },
      }
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return paths
}

function jsonSchema(schema: ZodType): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>
  return rest
}

function queryParameters(query: ZodType | undefined): unknown[] {
  if (!query) return []
  const schema = jsonSchema(query) as { properties?: Record<string, unknown>; required?: string[] }
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }))
}

function responses(route: RouteInfo): Record<string, unknown> {
  const error = { description: 'Error', content: { 'application/json': { schema: errorSchema } } }
  const out: Record<string, unknown> = { '200': { description: 'OK' }, '400': error }
  if (route.roles !== 'public') {
    out['401'] = error
    out['403'] = error
  }
  return out
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string', enum: Object.keys(errorCodes) }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
}
