import { STATUS_CODES } from 'node:http'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { type ZodType, z } from 'zod'
import { type ErrorCode, errorCodes } from './errors.ts'
import type { RouteDoc, RouteInfo } from './route-table.ts'
import { byStatus, errorAnswer } from './schemas/errors.ts'

const ERROR_REF = '#/components/schemas/Error'

/**
 * The OpenAPI document, filled from the route table once every route is registered: each
 * operation's parameters, body and answers are the zod schemas the route validates with and is
 * tested against (gateway/api/route-table.ts).
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: {
      title: 'Home-care alarm gateway',
      version: '1',
      description:
        'The HTTP side of the contract. Every error is {error: {code, message}}; docs/api.md lists the codes.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorAnswer(Object.keys(errorCodes) as ErrorCode[]), 'output') },
    },
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
    const { doc } = route
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    const operation: Record<string, unknown> = {
      summary: doc.summary ?? `${route.method} ${route.url}`,
      description: route.roles === 'public' ? 'No token needed.' : `Roles: ${route.roles.join(', ')}.`,
      parameters: [...pathParameters(route), ...queryParameters(doc.query)],
      responses: responses(doc),
    }
    if (route.roles !== 'public') operation.security = [{ bearer: [] }]
    if (doc.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } },
      }
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return paths
}

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] }

/** Requests are described as sent (before defaults and transforms), answers as received. */
function jsonSchema(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema: json }) => {
      // `.int()` says "a safe integer" with bounds nobody reads; an integer says it well enough
      if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum
      if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum
    },
  }) as JsonSchema
  return rest
}

function pathParameters(route: RouteInfo): unknown[] {
  const declared = route.doc.params ? jsonSchema(route.doc.params, 'input').properties : undefined
  return [...route.url.matchAll(/:(\w+)/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    schema: declared?.[name] ?? { type: 'string' },
  }))
}

function queryParameters(query: ZodType | undefined): unknown[] {
  if (!query) return []
  const schema = jsonSchema(query, 'input')
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }))
}

/** Every answer of the operation: its successes, then each error status with the codes it carries. */
function responses(doc: RouteDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [status, schema] of Object.entries(doc.responses)) out[status] = success(Number(status), schema)
  if (doc.websocket) out['101'] = { description: 'Switching to the WebSocket stream' }
  for (const [status, codes] of byStatus(doc.errors)) {
    out[String(status)] = {
      description: codes.map((c) => `\`${c}\`: ${errorCodes[c].what}`).join('; '),
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: ERROR_REF },
              { properties: { error: { properties: { code: { enum: codes } } } } },
            ],
          },
        },
      },
    }
  }
  return out
}

function success(status: number, schema: ZodType): Record<string, unknown> {
  const description = STATUS_CODES[status] ?? String(status)
  if (status === 204) return { description }
  const json = jsonSchema(schema, 'output')
  // a text answer names its media type on the schema (`contentMediaType`), anything else is JSON
  const media = typeof json.contentMediaType === 'string' ? json.contentMediaType : 'application/json'
  return { description, content: { [media]: { schema: json } } }
}
