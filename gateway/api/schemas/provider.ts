import type { FastifyInstance, FastifyTypeProvider } from 'fastify'
import type { z } from 'zod'

/**
 * Fastify's types from the routes' own zod schemas (`schema.params`, `.querystring`, `.body`,
 * `.response`): a handler reads what the schema parsed to, and what it answers must fit the response
 * schema of its status. Used as `app.withTypeProvider<ZodSchemas>()`.
 */
export interface ZodSchemas extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown
}

/**
 * The route's zod schemas validate its params, query and body before the handler runs. A refusal is
 * the ZodError itself, which the error handler turns into `BAD_REQUEST` with the field's path
 * (gateway/api/errors.ts), as when handlers parsed by hand.
 *
 * Answers are sent as the handler made them, not passed through the response schema: a field missing
 * from a schema must not vanish from an answer a page relies on, and a mismatch must not turn an alarm
 * into a 500. TypeScript checks each handler against its schemas, and tests/api/openapi.test.ts checks
 * every route's real answers against them (docs/decisions.md).
 */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    // Fastify hands a missing body over as null
    const result = schema.safeParse(data === null ? undefined : data)
    return result.success ? { value: result.data } : { error: result.error }
  })
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
}
