import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { rowsToCsv } from '../../../kernel/csv.ts'
import { gridKey, resourceId } from '../../registry/schemas.ts'
import { VisitError } from '../../visits/errors.ts'
import { ledgerColumns, ledgerRow } from '../../visits/ledger.ts'
import {
  reportBody,
  signInBody,
  signOutBody,
  type Visit,
  visitChangeBody,
  visitKinds,
  visitPlanBody,
  visitStatuses,
} from '../../visits/model.ts'
import { contentType } from '../../visits/photos/image.ts'
import type { Caller } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { page } from '../schemas/registry.ts'
import { carerVisit, photoRef, visit, visitPlan } from '../schemas/visits.ts'
import { idParams, inScope, listQuery, scope } from './registry.ts'

/** A day, or `today`: the gateway's own day in its zone (a page need not know the gateway's clock). */
const day = z.union([
  z.literal('today'),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD or today'),
])
const commaOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(200)
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)).max(values.length))

/** The ledger's filters (docs/visits.md). */
export const visitQuery = listQuery.extend({
  elderId: resourceId.optional(),
  carerId: resourceId.optional(),
  stationId: resourceId.optional(),
  status: commaOf(visitStatuses).optional(),
  kind: commaOf(visitKinds).optional(),
  from: day.optional(),
  to: day.optional(),
})
const csvQuery = visitQuery.omit({ limit: true, cursor: true })
const photoParams = z.object({
  id: resourceId,
  photoId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a photo id'),
})
const imageTypes = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream']
/** Rows per store read when the ledger is exported whole. */
const CSV_PAGE = 200

function domain(error: unknown): never {
  if (error instanceof VisitError) throw new ApiError(error.code, error.message)
  throw error
}

/**
 * Visits and carers' reports (docs/visits.md): the ledger for the centre and supervisors, the
 * carer's list and sign-in/out with photos, plans per elder.
 */
export function visitRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const centre = ctx.auth.allow('admin', 'dispatcher')
  const readers = ctx.auth.allow('admin', 'dispatcher', 'supervisor')
  const anyone = ctx.auth.allow('admin', 'dispatcher', 'supervisor', 'carer')
  const carerOnly = ctx.auth.allow('carer')
  const visits = ctx.visits

  const audit = (request: FastifyRequest, action: string, target: string, detail?: Record<string, unknown>) =>
    ctx.audit.record({ actor: request.caller?.username, action, target, source: request.ip, detail })

  /** The carer a carer's token stands for. */
  const carerOf = (caller: Caller | undefined): string => {
    if (caller?.role !== 'carer' || !caller.carerId) throw new ApiError('FORBIDDEN', 'for a carer’s phone')
    return caller.carerId
  }

  /** A visit the caller may see: the centre's within its grid, a carer's own or their station's open ones. */
  const seen = async (caller: Caller | undefined, id: string): Promise<Visit> => {
    const found = await visits.get(id)
    if (found && caller && maySee(caller, found)) return found
    throw new ApiError('VISIT_NOT_FOUND', `no visit ${id}`)
  }
  const maySee = (caller: Caller, v: Visit): boolean => {
    if (caller.role !== 'carer') return inScope(caller.grid, v.grid)
    if (v.carerId !== undefined) return v.carerId === caller.carerId
    const station = caller.carerId ? ctx.registry.getCarer(caller.carerId)?.stationId : undefined
    return v.stationId === undefined || v.stationId === station
  }

  /** `today` as the gateway's day. */
  const days = <Q extends { from?: string | undefined; to?: string | undefined }>(q: Q): Q => ({
    ...q,
    from: q.from === 'today' ? visits.today() : q.from,
    to: q.to === 'today' ? visits.today() : q.to,
  })

  const api = app.withTypeProvider<ZodSchemas>()
  api.get(
    '/visits',
    {
      preHandler: readers,
      schema: {
        summary:
          'The service ledger: visits and reports, latest due day first, filtered (a scoped supervisor sees their grid)',
        querystring: visitQuery,
        response: { 200: page(visit) },
      },
    },
    async (request) => {
      const { grid, ...q } = request.query
      return visits.list({ ...days(q), grid: gridKey(scope(request.caller?.grid, grid)) || undefined })
    },
  )
  api.get(
    '/visits.csv',
    {
      preHandler: readers,
      schema: {
        summary: 'The ledger as CSV, every row the filters select',
        querystring: csvQuery,
        // streamed page by page (a Readable here; text to a client)
        response: {
          200: z
            .union([z.string(), z.instanceof(Readable)])
            .meta({ contentMediaType: 'text/csv; charset=utf-8' }),
        },
      },
    },
    async (request, reply) => {
      const { grid, ...q } = request.query
      const filter = { ...days(q), grid: gridKey(scope(request.caller?.grid, grid)) || undefined }
      // page by page as the client reads: a year of a county's visits is tens of megabytes
      async function* csv(): AsyncGenerator<string> {
        yield `\ufeff${rowsToCsv([[...ledgerColumns]])}`
        let cursor: string | undefined
        let rows = 0
        do {
          const part = await visits.list({ ...filter, limit: CSV_PAGE, cursor })
          rows += part.items.length
          if (part.items.length > 0) yield rowsToCsv(part.items.map(ledgerRow))
          cursor = part.next
          // a page at a time: the loop serves alarms between them
          await new Promise((resolve) => setImmediate(resolve))
        } while (cursor)
        audit(request, 'visits.export', 'ledger', { rows })
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="visits.csv"')
        .send(Readable.from(csv()))
    },
  )
  api.get(
    '/visits/:id',
    {
      preHandler: anyone,
      schema: {
        summary: 'One visit or report',
        params: idParams,
        response: { 200: visit },
        errors: ['VISIT_NOT_FOUND'],
      },
    },
    (request) => seen(request.caller, request.params.id),
  )
  api.patch(
    '/visits/:id',
    {
      preHandler: centre,
      schema: {
        summary: 'Move a visit not yet done to another day, or give it to another carer or station',
        params: idParams,
        body: visitChangeBody,
        response: { 200: visit },
        errors: ['VISIT_NOT_FOUND', 'VISIT_CLOSED', 'DAY_IN_PAST', 'UNKNOWN_CARER', 'UNKNOWN_STATION'],
      },
    },
    async (request) => {
      await seen(request.caller, request.params.id)
      const changed = await visits.change(request.params.id, request.body).catch(domain)
      audit(request, 'visit.change', changed.id, request.body)
      return changed
    },
  )
  api.get(
    '/elders/:id/visit-plan',
    {
      preHandler: readers,
      schema: {
        summary: 'Who visits the elder and on which weekdays (the cadence follows the risk grade)',
        params: idParams,
        response: { 200: visitPlan },
        errors: ['ELDER_NOT_FOUND'],
      },
    },
    async (request) => {
      const elder = ctx.registry.getElder(request.params.id)
      if (!elder || !inScope(request.caller?.grid, elder.grid))
        throw new ApiError('ELDER_NOT_FOUND', `no elder ${request.params.id}`)
      return visits.plan(elder.id).catch(domain)
    },
  )
  api.put(
    '/elders/:id/visit-plan',
    {
      preHandler: centre,
      schema: {
        summary: 'Set who visits the elder and on which weekdays; the visit ahead follows',
        params: idParams,
        body: visitPlanBody,
        response: { 200: visitPlan },
        errors: ['ELDER_NOT_FOUND', 'UNKNOWN_CARER', 'UNKNOWN_STATION'],
      },
    },
    async (request) => {
      const plan = await visits.putPlan(request.params.id, request.body).catch(domain)
      audit(request, 'visit_plan.put', request.params.id, request.body)
      return plan
    },
  )
  api.get(
    '/carers/:id/visits',
    {
      preHandler: ctx.auth.allow('admin', 'dispatcher', 'carer'),
      schema: {
        summary: 'A carer’s visits today and overdue (theirs and their station’s), nearest first',
        params: idParams,
        response: { 200: z.strictObject({ items: z.array(carerVisit), today: z.string() }) },
        errors: ['CARER_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      if (request.caller?.role === 'carer' && request.caller.carerId !== id)
        throw new ApiError('FORBIDDEN', 'a carer sees only their own visits')
      if (!ctx.registry.getCarer(id)) throw new ApiError('CARER_NOT_FOUND', `no carer ${id}`)
      return { items: await visits.forCarer(id).catch(domain), today: visits.today() }
    },
  )
  api.post(
    '/visits',
    {
      preHandler: carerOnly,
      schema: {
        summary: 'A carer’s report outside the plan (a call, an escort, something noticed in passing)',
        body: reportBody,
        response: { 201: visit },
        errors: ['ELDER_NOT_FOUND'],
      },
    },
    async (request, reply) => {
      const carerId = carerOf(request.caller)
      const elder = ctx.registry.getElder(request.body.elderId)
      if (!elder) throw new ApiError('ELDER_NOT_FOUND', `elderId: no elder ${request.body.elderId}`)
      const filed = await visits.report(carerId, request.body).catch(domain)
      audit(request, 'visit.report', filed.id, { elderId: elder.id, kind: filed.kind })
      return reply.code(201).send(filed)
    },
  )
  api.post(
    '/visits/:id/sign-in',
    {
      preHandler: carerOnly,
      schema: {
        summary:
          'Sign in at the door: position checked against the home (far or no fix is flagged), photo named',
        params: idParams,
        body: signInBody,
        response: { 200: visit },
        errors: ['VISIT_NOT_FOUND', 'VISIT_CLOSED', 'VISIT_SIGNED_IN', 'NOT_YOUR_VISIT', 'UNKNOWN_PHOTO'],
      },
    },
    async (request) => {
      const carerId = carerOf(request.caller)
      await seen(request.caller, request.params.id)
      const signed = await visits.signIn(request.params.id, carerId, request.body).catch(domain)
      audit(request, 'visit.sign_in', signed.id, { flags: signed.flags })
      return signed
    },
  )
  api.post(
    '/visits/:id/sign-out',
    {
      preHandler: carerOnly,
      schema: {
        summary: 'Report and sign out; “needs help now” opens a help_needed alarm for the centre',
        params: idParams,
        body: signOutBody,
        response: { 200: visit },
        errors: ['VISIT_NOT_FOUND', 'NOT_SIGNED_IN', 'NOT_YOUR_VISIT'],
      },
    },
    async (request) => {
      const carerId = carerOf(request.caller)
      await seen(request.caller, request.params.id)
      const done = await visits.signOut(request.params.id, carerId, request.body).catch(domain)
      audit(request, 'visit.sign_out', done.id, { condition: done.report?.condition })
      return done
    },
  )

  // photos: the image as the body, in a plugin of their own so the image parser stays on this route
  void app.register((scoped, _options, done) => {
    const limit = visits.settings.photoMaxBytes
    scoped.addContentTypeParser(
      imageTypes,
      // twice the limit reaches the route, which answers PHOTO_TOO_LARGE; beyond, the body is cut off (413)
      { parseAs: 'buffer', bodyLimit: limit * 2 },
      (_request, body, next) => next(null, body),
    )
    const photos = scoped.withTypeProvider<ZodSchemas>()
    photos.post(
      '/visits/:id/photos',
      {
        preHandler: carerOnly,
        bodyLimit: limit * 2,
        schema: {
          summary:
            'A photo for the visit (JPEG, PNG or WebP, checked by its bytes; location metadata removed)',
          params: idParams,
          response: { 201: photoRef },
          errors: [
            'VISIT_NOT_FOUND',
            'VISIT_CLOSED',
            'NOT_YOUR_VISIT',
            'PHOTO_NOT_IMAGE',
            'PHOTO_DAMAGED',
            'PHOTO_TOO_LARGE',
            'TOO_MANY_PHOTOS',
          ],
        },
      },
      async (request, reply) => {
        const carerId = carerOf(request.caller)
        await seen(request.caller, request.params.id)
        if (!Buffer.isBuffer(request.body))
          throw new ApiError(
            'PHOTO_NOT_IMAGE',
            'send the image as the body (image/jpeg, image/png or image/webp)',
          )
        const ref = await visits.addPhoto(request.params.id, carerId, request.body).catch(domain)
        audit(request, 'visit.photo', request.params.id, { photoId: ref.id, size: ref.size })
        return reply.code(201).send(ref)
      },
    )
    photos.get(
      '/visits/:id/photos/:photoId',
      {
        preHandler: anyone,
        schema: {
          summary: 'A visit’s photo, to whoever may see the visit',
          params: photoParams,
          // the image's bytes as they were stored (a Buffer here; a string of them to a client's parser)
          response: {
            200: z.union([z.string(), z.instanceof(Buffer)]).meta({ contentMediaType: 'image/*' }),
          },
          errors: ['VISIT_NOT_FOUND', 'PHOTO_NOT_FOUND'],
        },
      },
      async (request, reply) => {
        await seen(request.caller, request.params.id)
        const found = await visits.photo(request.params.id, request.params.photoId).catch(domain)
        return reply
          .type(contentType(found.type))
          .header('cache-control', 'private, max-age=86400, immutable')
          .send(found.bytes)
      },
    )
    done()
  })
}
