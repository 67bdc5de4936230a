import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { type ImportType, importTypes } from '../../registry/import/columns.ts'
import {
  type CsvRow,
  ImportFileError,
  previewTable,
  type TablePreview,
  tableRows,
} from '../../registry/import/csv.ts'
import { ImportJobs } from '../../registry/import/jobs.ts'
import { checkRows, type ImportReport, runImport } from '../../registry/import/run.ts'
import { readTable, XLSX_TYPE } from '../../registry/import/tables.ts'
import { resourceId } from '../../registry/schemas.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { importJob, importPreview, importReport } from '../schemas/import.ts'
import type { ZodSchemas } from '../schemas/provider.ts'

/** A 10,000-row CSV is a few MiB, above the API's 1 MiB default. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024
/** Rows the preview checks. */
const PREVIEW_ROWS = 20

const importQuery = z.object({ type: z.enum(importTypes) }).strict()
const jobParams = z.object({ id: resourceId })

/** JSON: an array of `{id, ...PUT body}`; anything else in the array is a rejected row. */
function jsonRows(body: unknown): CsvRow[] {
  if (!Array.isArray(body)) throw new ImportFileError('a JSON import is an array of {id, ...PUT body}')
  return body.map((value: unknown, i) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { row: i + 1, value: value as Record<string, unknown> }
      : { row: i + 1, reason: 'not an object' },
  )
}

/** A 400 for a file that is unusable as a whole; anything else is the gateway's own failure. */
function fileRefused(error: unknown): never {
  if (error instanceof ImportFileError) throw new ApiError('BAD_REQUEST', error.message)
  throw error
}

/** The request's rows, or a 400 when the file itself is unusable. */
async function rowsOf(type: ImportType, body: unknown): Promise<CsvRow[]> {
  try {
    if (typeof body === 'string' || Buffer.isBuffer(body)) return await tableRows(type, await readTable(body))
    return jsonRows(body)
  } catch (error) {
    return fileRefused(error)
  }
}

/**
 * POST /import: elders, devices and carers in bulk (CSV or JSON), answered with a per-row report;
 * the same as a job with progress (POST /import/jobs, for the admin console), and a preview.
 */
export function importRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const jobs = new ImportJobs(ctx.registry, ctx.clock)
  app.addHook('onClose', async () => jobs.stop())
  // contract: registry changes are audited; one entry per import, with its counts
  const audit = (
    request: FastifyRequest,
    type: ImportType,
    report: ImportReport,
    ms: number,
    job?: string,
  ) => {
    const { total, created, updated, rejected } = report
    ctx.audit.record({
      actor: request.caller?.username,
      action: `${type}.import`,
      target: type,
      source: request.ip,
      detail: { total, created, updated, rejected, ms: Math.round(ms), ...(job ? { job } : {}) },
    })
  }
  // Its own plugin, so the CSV parser and the larger body limit stay on these routes only.
  void app.register((scoped, _options, done) => {
    scoped.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    )
    // an Excel workbook as it is: its first sheet, the same columns as a CSV (docs/import.md)
    scoped.addContentTypeParser(
      XLSX_TYPE,
      { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    )
    const api = scoped.withTypeProvider<ZodSchemas>()
    const admin = ctx.auth.allow('admin')
    api.post(
      '/import',
      {
        preHandler: admin,
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary:
            'Bulk import of elders, devices or carers (CSV, Excel .xlsx or JSON), with a per-row report',
          querystring: importQuery,
          response: { 200: importReport },
        },
      },
      async (request) => {
        const { type } = request.query
        const started = performance.now()
        const report = await runImport(ctx.registry, type, await rowsOf(type, request.body))
        audit(request, type, report, performance.now() - started)
        return report
      },
    )
    api.post(
      '/import/preview',
      {
        preHandler: admin,
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary:
            'A CSV’s or workbook’s columns as the import maps them and its first 20 rows checked; nothing is stored',
          querystring: importQuery,
          response: { 200: importPreview },
        },
      },
      async (request) => {
        const { type } = request.query
        const body = request.body
        if (typeof body !== 'string' && !Buffer.isBuffer(body))
          throw new ApiError('BAD_REQUEST', 'the preview reads a CSV file or an Excel workbook')
        let preview: TablePreview
        try {
          preview = previewTable(type, await readTable(body), PREVIEW_ROWS)
        } catch (error) {
          return fileRefused(error)
        }
        const rows = checkRows(type, preview.rows).map(({ status, ...r }) => ({
          ...r,
          valid: status !== 'rejected',
        }))
        return {
          type,
          total: preview.total,
          columns: preview.columns,
          ...(preview.problem ? { problem: preview.problem } : {}),
          rows,
        }
      },
    )
    api.post(
      '/import/jobs',
      {
        preHandler: admin,
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary: 'The same import as a job: answered at once, its progress and report read later',
          querystring: importQuery,
          response: { 202: importJob },
        },
      },
      async (request, reply) => {
        const { type } = request.query
        const rows = await rowsOf(type, request.body)
        const job = jobs.start(type, rows, (outcome) => {
          if ('report' in outcome) audit(request, type, outcome.report, outcome.ms, job.id)
          else request.log.error({ err: outcome.error, type }, 'import job failed')
        })
        return reply.code(202).send(job)
      },
    )
    done()
  })
  const api = app.withTypeProvider<ZodSchemas>()
  api.get(
    '/import/jobs/:id',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary: 'An import job’s progress: rows done of all, created, updated, rejected, time spent',
        params: jobParams,
        response: { 200: importJob },
        errors: ['IMPORT_JOB_NOT_FOUND'],
      },
    },
    async (request) => {
      const view = jobs.view(request.params.id)
      if (!view) throw new ApiError('IMPORT_JOB_NOT_FOUND', `no import job ${request.params.id}`)
      return view
    },
  )
  api.get(
    '/import/jobs/:id/report',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary: 'A finished import job’s per-row report',
        params: jobParams,
        response: { 200: importReport },
        errors: ['IMPORT_JOB_NOT_FOUND', 'IMPORT_RUNNING'],
      },
    },
    async (request) => {
      const { id } = request.params
      const report = jobs.report(id)
      if (report === 'running') throw new ApiError('IMPORT_RUNNING', `import job ${id} is still running`)
      if (!report) throw new ApiError('IMPORT_JOB_NOT_FOUND', `no import job ${id} (or it failed)`)
      return report
    },
  )
}
