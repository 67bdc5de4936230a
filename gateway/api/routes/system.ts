import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { resourceId } from '../../registry/schemas.ts'
import { bearer } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { carerSession, health, noContent, retired, session } from '../schemas/system.ts'

export const loginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict()

export const carerLoginBody = z.object({ carerId: resourceId, secret: z.string().min(1).max(256) }).strict()

/** contract: GET /health (no auth), POST /auth/login; plus logout (metrics: ./metrics.ts). */
export function systemRoutes(app: FastifyInstance, ctx: ApiContext, loginsPerMinute = 5): void {
  const api = app.withTypeProvider<ZodSchemas>()
  api.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'Health of the broker, store, history and flows (503 when degraded)',
        response: { 200: health, 503: health },
      },
    },
    async (_request, reply) => {
      const now = await ctx.health()
      return reply.code(now.status === 'ok' ? 200 : 503).send(now)
    },
  )

  // Login attempts: at most 20 a minute from one address and 5 a minute for one username (CARE_LOGINS_PER_MINUTE).
  const perAddress = app.rateLimit({ max: Math.max(20, loginsPerMinute), timeWindow: 60_000 })
  const perUser = app.createRateLimit({
    max: loginsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `user:${loginBody.safeParse(request.body).data?.username ?? ''}`,
  })
  api.post(
    '/auth/login',
    {
      onRequest: perAddress,
      config: { public: true },
      schema: {
        summary: 'Log in: a bearer token for 12 hours and the role',
        body: loginBody,
        response: { 200: session },
        errors: ['BAD_CREDENTIALS', 'RATE_LIMITED'],
      },
    },
    async (request) => {
      // A second limiter on the same request has to be applied by hand: the plugin runs one per request.
      const limit = await perUser(request)
      if (!limit.isAllowed && limit.isExceeded) {
        ctx.audit.record({ action: 'auth.rate_limited', source: request.ip, detail: { key: limit.key } })
        throw new ApiError('RATE_LIMITED', 'too many login attempts for this user; wait a minute')
      }
      const { username, password } = request.body
      const result = await ctx.access.login(username, password)
      if (!result.ok) {
        // a disabled account gets the answer a wrong password gets; the audit log says which it was
        const action = result.reason === 'disabled' ? 'auth.login_disabled' : 'auth.login_failed'
        ctx.audit.record({ actor: username, action, source: request.ip })
        throw new ApiError('BAD_CREDENTIALS', 'wrong username or password')
      }
      ctx.audit.record({ actor: username, action: 'auth.login', source: request.ip })
      const { ok: _ok, ...token } = result
      return token
    },
  )

  // A carer's phone: the carer id and secret for a session token, limited like the password login.
  const carerPerAddress = app.rateLimit({
    max: Math.max(20, loginsPerMinute),
    timeWindow: 60_000,
    keyGenerator: (request) => `carer-address:${request.ip}`,
  })
  const perCarer = app.createRateLimit({
    max: loginsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `carer:${carerLoginBody.safeParse(request.body).data?.carerId ?? ''}`,
  })
  api.post(
    '/auth/carer',
    {
      onRequest: carerPerAddress,
      config: { public: true },
      schema: {
        summary: 'A carer’s phone login: carer id and secret for a session token (the MQTT password)',
        body: carerLoginBody,
        response: { 200: carerSession },
        errors: ['BAD_CREDENTIALS', 'NOT_A_CARER', 'RATE_LIMITED'],
      },
    },
    async (request) => {
      const limit = await perCarer(request)
      if (!limit.isAllowed && limit.isExceeded) {
        ctx.audit.record({ action: 'auth.rate_limited', source: request.ip, detail: { key: limit.key } })
        throw new ApiError('RATE_LIMITED', 'too many login attempts for this carer; wait a minute')
      }
      const { carerId, secret } = request.body
      const result = await ctx.access.carerLogin(carerId, secret)
      if (!result.ok) {
        ctx.audit.record({
          actor: carerId,
          action: 'auth.carer_login_failed',
          source: request.ip,
          detail: { reason: result.reason },
        })
        if (result.reason === 'not_a_carer') {
          // only the holder of that device's or service's own secret learns this
          throw new ApiError('NOT_A_CARER', `${carerId} signs in as a device or a service, not a carer`)
        }
        throw new ApiError('BAD_CREDENTIALS', 'wrong carer id or secret')
      }
      ctx.audit.record({ actor: carerId, action: 'auth.carer_login', source: request.ip })
      const { ok: _ok, ...token } = result
      return token
    },
  )

  api.post(
    '/auth/logout',
    {
      preHandler: ctx.auth.allow('admin', 'dispatcher', 'supervisor', 'carer'),
      schema: {
        summary: 'End the session of the token used',
        response: { 204: noContent },
        errors: ['NOT_A_SESSION'],
      },
    },
    async (request, reply) => {
      const token = bearer(request) ?? ''
      if ((await ctx.access.logout(token)) === 'not_a_session') {
        throw new ApiError(
          'NOT_A_SESSION',
          'this token is not a session and logout cannot end it; the bootstrap admin token is ended with ' +
            'POST /api/v1/auth/bootstrap-token/retire',
        )
      }
      return reply.code(204).send()
    },
  )

  api.post(
    '/auth/bootstrap-token/retire',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary: 'Retire the bootstrap admin token for good, once an admin user exists',
        response: { 200: retired },
        errors: ['LAST_ADMIN'],
      },
    },
    async (request) => {
      // docs/security.md: never lock every admin out
      if ((await ctx.registry.enabledAdmins()) === 0) {
        throw new ApiError('LAST_ADMIN', 'create an enabled admin user before retiring the bootstrap token')
      }
      const retiredAt = await ctx.access.retireBootstrap()
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'auth.bootstrap_retired',
        source: request.ip,
      })
      return { retiredAt }
    },
  )
}
