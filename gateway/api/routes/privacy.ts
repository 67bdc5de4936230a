import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { openStates } from '../../alarms/model.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import { elderExport, erasure } from '../schemas/privacy.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { idParams } from './registry.ts'

/** PIPL: an elder's data on request, and its erasure. Admins only, always audited. */
export function privacyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  const admin = ctx.auth.allow('admin')

  api.get(
    '/elders/:id/export',
    {
      preHandler: admin,
      schema: {
        summary: 'Everything held about one elder, row for row (PIPL access)',
        params: idParams,
        response: { 200: elderExport },
        errors: ['ELDER_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      // stored rows as they are: tests/api/openapi.test.ts holds them to the schema, column for column
      const data = (await ctx.registry.exportElder(id)) as z.input<typeof elderExport> | undefined
      if (!data) throw new ApiError('ELDER_NOT_FOUND', `no elder ${id}`)
      // the visits' photos themselves, not only their references
      data.photos = await ctx.visits.photosOf(id)
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'elder.export',
        target: id,
        source: request.ip,
      })
      return data
    },
  )

  api.delete(
    '/elders/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Erase an elder, their devices and history (PIPL deletion); closed alarms stay, unnamed',
        params: idParams,
        response: { 200: erasure },
        errors: ['ELDER_NOT_FOUND', 'INVALID_STATE'],
      },
    },
    async (request) => {
      const { id } = request.params
      if (!ctx.registry.getElder(id)) throw new ApiError('ELDER_NOT_FOUND', `no elder ${id}`)
      const open = (await ctx.alarms.list({ elderId: id, state: [...openStates], limit: 1 })).items
      if (open.length > 0)
        throw new ApiError('INVALID_STATE', `close alarm ${open[0]?.id} before erasing the elder`)
      await ctx.telemetry.flush() // fixes still buffered reach the store, and the outbox, before the erasure
      // one transaction (PrivacyRepository.eraseElder); whoever holds the devices hears of it from the registry
      const erased = await ctx.registry.eraseElder(id)
      if (!erased) throw new ApiError('ELDER_NOT_FOUND', `no elder ${id}`)
      const { history, photos, ...report } = erased
      const answer = { ...report, historyPoints: history.waiting, photos: photos.length }
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'elder.erase',
        target: id,
        source: request.ip,
        detail: answer,
      })
      return { erased: id, ...answer }
    },
  )
}
