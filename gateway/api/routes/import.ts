import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { importTypes } from '../../registry/import/columns.ts'
import { type CsvRow, csvRows, ImportFileError } from '../../registry/import/csv.ts'
import { runImport } from '../../registry/import/run.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { importReport } from '../schemas/import.ts'
import type { ZodSchemas } from '../schemas/provider.ts'

/** A 10,000-row CSV is a few MiB, above the API's 1 MiB default. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024

const importQuery = z.object({ type: z.enum(importTypes) }).strict()

/** JSON: an array of `{id, ...PUT body}`; anything else in the array is a rejected row. */
function jsonRows(body: unknown): CsvRow[] {
  if (!Array.isArray(body)) throw new ImportFileError('a JSON import is an array of {id, ...PUT body}')
  return body.map((value: unknown, i) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { row: i + 1, value: value as Record<string, unknown> }
      : { row: i + 1, reason: 'not an object' },
  )
}

/** POST /import: elders, devices and carers in bulk (CSV or JSON), answered with a per-row report. */
export function importRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Its own plugin, so the CSV parser and the larger body limit stay on this route only.
  void app.register((scoped, _options, done) => {
    scoped.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    )
    scoped.withTypeProvider<ZodSchemas>().post(
      '/import',
      {
        preHandler: ctx.auth.allow('admin'),
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary: 'Bulk import of elders, devices or carers (CSV or JSON), with a per-row report',
          querystring: importQuery,
          response: { 200: importReport },
        },
      },
      async (request) => {
        const { type } = request.query
        const started = performance.now()
        let input: CsvRow[]
        try {
          input = typeof request.body === 'string' ? csvRows(type, request.body) : jsonRows(request.body)
        } catch (error) {
          if (error instanceof ImportFileError) throw new ApiError('BAD_REQUEST', error.message)
          throw error
        }
        const report = await runImport(ctx.registry, type, input)
        const { total, created, updated, rejected } = report
        // contract: registry changes are audited; one entry per import, with its counts
        ctx.audit.record({
          actor: request.caller?.username,
          action: `${type}.import`,
          target: type,
          source: request.ip,
          detail: { total, created, updated, rejected, ms: Math.round(performance.now() - started) },
        })
        return report
      },
    )
    done()
  })
}
