import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { seesCarer } from '../../live/hub.ts'
import { RegistryError } from '../../registry/registry.ts'
import {
  carerBody,
  deviceBody,
  elderBody,
  gridPath,
  resourceId,
  risks,
  serviceBody,
  stationBody,
  type User,
  userBody,
} from '../../registry/schemas.ts'
import { type Caller, viewerOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError } from '../errors.ts'
import type { ZodSchemas } from '../schemas/provider.ts'
import { carer, device, elder, liveCarer, page, service, station, user } from '../schemas/registry.ts'
import { noContent } from '../schemas/system.ts'

const listShape = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
  grid: z
    .string()
    .max(500)
    .optional()
    .transform((g) => (g ? g.split('/').filter(Boolean) : undefined))
    .pipe(gridPath.optional()),
}
export const listQuery = z.object(listShape).strict()

/** `a,b,c` → ['a', 'b', 'c'], each checked by `item`. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z
    .string()
    .max(max * 65)
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item).max(max))

/** The admin console's search: a word of the id, name, phone or address; risk grades. */
export const elderListQuery = z
  .object({
    ...listShape,
    q: z.string().trim().max(64).optional(),
    risk: commaList(z.enum(risks), 4).optional(),
  })
  .strict()
/** `?elderId=E1,E2`: the devices bound to these elders (at most 100). */
export const deviceListQuery = z
  .object({ ...listShape, elderId: commaList(resourceId, 100).optional() })
  .strict()
export const idParams = z.object({ id: resourceId })
const userParams = z.object({ username: resourceId })

/** The caller a role guard put on the request (every route here has one). */
function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ApiError('UNAUTHENTICATED', 'no caller')
  return request.caller
}

function domain(error: unknown): never {
  if (error instanceof RegistryError) throw new ApiError(error.code, error.message)
  throw error
}

/** contract: PUT/GET elders, devices, carers and users. Secrets never come back. */
export function registryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodSchemas>()
  const write = ctx.auth.allow('admin')
  const read = ctx.auth.allow('admin', 'dispatcher', 'supervisor')
  // contract: every registry change is audited — who, what, when, from where
  const audit = (request: FastifyRequest, action: string, target: string, created: boolean) =>
    ctx.audit.record({
      actor: request.caller?.username,
      action,
      target,
      source: request.ip,
      detail: { created },
    })

  api.put(
    '/elders/:id',
    {
      preHandler: write,
      schema: {
        summary: 'Create (201) or replace (200) an elder',
        params: idParams,
        body: elderBody,
        response: { 200: elder, 201: elder },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { created, elder } = await ctx.registry.putElder(id, request.body)
      audit(request, 'elder.put', id, created)
      return reply.code(created ? 201 : 200).send(elder)
    },
  )
  api.get(
    '/elders',
    {
      preHandler: read,
      schema: {
        summary:
          'Elders, newest first; `?q=` finds a word of the id, name, phone or address, `?risk=` grades',
        querystring: elderListQuery,
        response: { 200: page(elder) },
      },
    },
    async (request) => {
      const { q, ...rest } = request.query
      return ctx.registry.listElders({
        ...rest,
        text: q || undefined,
        grid: scope(request.caller?.grid, rest.grid),
      })
    },
  )
  api.get(
    '/elders/:id',
    {
      preHandler: read,
      schema: {
        summary: 'One elder',
        params: idParams,
        response: { 200: elder },
        errors: ['ELDER_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const elder = ctx.registry.getElder(id)
      if (!elder || !inScope(request.caller?.grid, elder.grid))
        throw new ApiError('ELDER_NOT_FOUND', `no elder ${id}`)
      return elder
    },
  )

  api.put(
    '/devices/:id',
    {
      preHandler: write,
      schema: {
        summary:
          'Create (201) or replace (200) a device, with its secret (never answered; a replacement may leave it out)',
        params: idParams,
        body: deviceBody,
        response: { 200: device, 201: device },
        errors: ['UNKNOWN_ELDER', 'ID_TAKEN', 'SECRET_REQUIRED'],
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { created, device } = await ctx.registry.putDevice(id, request.body).catch(domain)
      audit(request, 'device.put', id, created)
      return reply.code(created ? 201 : 200).send(device)
    },
  )
  api.get(
    '/devices',
    {
      preHandler: read,
      schema: {
        summary: 'Devices, newest first; `?elderId=` those of these elders',
        querystring: deviceListQuery,
        response: { 200: page(device) },
      },
    },
    async (request) => {
      const { elderId, ...q } = request.query
      return ctx.registry.listDevices({ ...q, elderIds: elderId, grid: scope(request.caller?.grid, q.grid) })
    },
  )
  api.get(
    '/devices/:id',
    {
      preHandler: read,
      schema: {
        summary: 'One device (never its secret)',
        params: idParams,
        response: { 200: device },
        errors: ['DEVICE_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const device = await ctx.registry.findDevice(id)
      // A scoped supervisor must not learn that a device outside the scope exists.
      if (!device || !inScope(request.caller?.grid, ctx.registry.getElder(device.elderId)?.grid)) {
        throw new ApiError('DEVICE_NOT_FOUND', `no device ${id}`)
      }
      return device
    },
  )

  api.put(
    '/carers/:id',
    {
      preHandler: write,
      schema: {
        summary:
          'Create (201) or replace (200) a carer, with its secret (never answered; a replacement may leave it out)',
        params: idParams,
        body: carerBody,
        response: { 200: carer, 201: carer },
        errors: ['ID_TAKEN', 'SECRET_REQUIRED', 'UNKNOWN_STATION'],
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { created, carer, secretChanged } = await ctx.registry.putCarer(id, request.body).catch(domain)
      // a new secret ends the phone sessions it was traded for (docs/security.md)
      if (secretChanged) await ctx.access.endCarerSessions(id)
      audit(request, 'carer.put', id, created)
      return reply.code(created ? 201 : 200).send(carer)
    },
  )
  // Which carers a caller sees is the live stream's rule (seesCarer): a supervisor scoped to a grid sees
  // none, neither their phones nor where they are; a carer sees themself.
  api.get(
    '/carers',
    {
      preHandler: read,
      schema: { summary: 'Carers, newest first', querystring: listQuery, response: { 200: page(carer) } },
    },
    async (request) => {
      const viewer = viewerOf(callerOf(request))
      const list = await ctx.registry.listCarers(request.query)
      const items = list.items.filter((c) => seesCarer(viewer, c.id))
      return items.length === list.items.length ? list : { items }
    },
  )
  api.get(
    '/carers/:id',
    {
      preHandler: ctx.auth.allow('admin', 'dispatcher', 'supervisor', 'carer'),
      schema: {
        summary: 'One carer with live duty, position and whether they hold an alarm',
        params: idParams,
        response: { 200: liveCarer },
        errors: ['CARER_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const viewer = viewerOf(callerOf(request))
      if (!seesCarer(viewer, id)) {
        if (viewer.role === 'carer') throw new ApiError('FORBIDDEN', 'a carer sees only their own record')
        throw new ApiError('CARER_NOT_FOUND', `no carer ${id}`)
      }
      const carer = ctx.registry.getCarer(id)
      if (!carer) throw new ApiError('CARER_NOT_FOUND', `no carer ${id}`)
      const live = ctx.carers.get(id)
      return live
        ? {
            ...carer,
            duty: live.duty,
            ...(live.position ? { position: live.position } : {}),
            busy: live.busy,
          }
        : carer
    },
  )

  api.put(
    '/services/:id',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary:
          'Create (201) or replace (200) an integration’s MQTT identity, with its secret (never answered)',
        params: idParams,
        body: serviceBody,
        response: { 200: service, 201: service },
        errors: ['ID_TAKEN', 'SECRET_REQUIRED'],
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { created, service } = await ctx.registry.putService(id, request.body).catch(domain)
      audit(request, 'service.put', id, created)
      return reply.code(created ? 201 : 200).send(service)
    },
  )
  api.put(
    '/stations/:id',
    {
      preHandler: write,
      schema: {
        summary: 'Create (201) or replace (200) a service station (服务站)',
        params: idParams,
        body: stationBody,
        response: { 200: station, 201: station },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { created, station } = await ctx.registry.putStation(id, request.body)
      audit(request, 'station.put', id, created)
      return reply.code(created ? 201 : 200).send(station)
    },
  )
  api.get(
    '/stations',
    {
      preHandler: read,
      schema: {
        summary: 'Service stations, newest first; `?grid=` narrows (a scoped supervisor sees their grid)',
        querystring: listQuery,
        response: { 200: page(station) },
      },
    },
    async (request) => {
      const q = request.query
      return ctx.registry.listStations({ ...q, grid: scope(request.caller?.grid, q.grid) })
    },
  )
  api.get(
    '/stations/:id',
    {
      preHandler: read,
      schema: {
        summary: 'One service station',
        params: idParams,
        response: { 200: station },
        errors: ['STATION_NOT_FOUND'],
      },
    },
    async (request) => {
      const { id } = request.params
      const found = await ctx.registry.getStation(id)
      if (!found || !inScope(request.caller?.grid, found.grid))
        throw new ApiError('STATION_NOT_FOUND', `no station ${id}`)
      return found
    },
  )
  api.get(
    '/services',
    {
      preHandler: ctx.auth.allow('admin'),
      schema: {
        summary: 'Integrations’ MQTT identities, newest first (never a secret)',
        querystring: listQuery,
        response: { 200: page(service) },
      },
    },
    async (request) => ctx.registry.listServices(request.query),
  )

  // A user's sessions stand for what the user was when they logged in: a new password, role, grid or
  // carer ends them (docs/security.md), and so do disabling and deleting.
  api.put(
    '/users/:username',
    {
      preHandler: write,
      schema: {
        summary:
          'Create (201) or replace (200) a web user; a new password, role, grid or carer ends their sessions (a replacement may leave the password out)',
        params: userParams,
        body: userBody,
        response: { 200: user, 201: user },
        errors: ['UNKNOWN_CARER', 'LAST_ADMIN', 'SECRET_REQUIRED'],
      },
    },
    async (request, reply) => {
      const { username } = request.params
      const body = request.body
      if (body.role !== 'admin') await keepAnAdmin(username)
      const { created, user, credentialsChanged } = await ctx.registry.putUser(username, body).catch(domain)
      const sessionsEnded = credentialsChanged ? await ctx.access.endSessionsOf(username) : 0
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'user.put',
        target: username,
        source: request.ip,
        detail: { created, sessionsEnded },
      })
      return reply.code(created ? 201 : 200).send(user)
    },
  )
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    api.post(
      `/users/:username/${verb}`,
      {
        preHandler: write,
        schema: {
          summary: disabled
            ? 'Disable a web user: their sessions end and they cannot log in'
            : 'Enable a disabled web user again',
          params: userParams,
          response: { 200: user },
          errors: disabled ? ['USER_NOT_FOUND', 'LAST_ADMIN'] : ['USER_NOT_FOUND'],
        },
      },
      async (request) => {
        const { username } = request.params
        if (!(await ctx.registry.findUser(username)))
          throw new ApiError('USER_NOT_FOUND', `no user ${username}`)
        if (disabled) await keepAnAdmin(username)
        const user = (await ctx.registry.setUserDisabled(username, disabled)) as User
        const sessionsEnded = disabled ? await ctx.access.endSessionsOf(username) : 0
        ctx.audit.record({
          actor: request.caller?.username,
          action: `user.${verb}`,
          target: username,
          source: request.ip,
          detail: { sessionsEnded },
        })
        return user
      },
    )
  }
  api.delete(
    '/users/:username',
    {
      preHandler: write,
      schema: {
        summary: 'Delete a web user and end their sessions (the audit log keeps the name)',
        params: userParams,
        response: { 204: noContent },
        errors: ['USER_NOT_FOUND', 'LAST_ADMIN'],
      },
    },
    async (request, reply) => {
      const { username } = request.params
      if (!(await ctx.registry.findUser(username)))
        throw new ApiError('USER_NOT_FOUND', `no user ${username}`)
      await keepAnAdmin(username)
      await ctx.registry.deleteUser(username)
      const sessionsEnded = await ctx.access.endSessionsOf(username)
      ctx.audit.record({
        actor: request.caller?.username,
        action: 'user.delete',
        target: username,
        source: request.ip,
        detail: { sessionsEnded },
      })
      return reply.code(204).send()
    },
  )

  /** Refuses a change that takes `username` away as an admin when nobody else could get in as one. */
  async function keepAnAdmin(username: string): Promise<void> {
    const user = await ctx.registry.findUser(username)
    if (user?.role !== 'admin' || user.disabled) return
    if (ctx.access.bootstrapRetired && (await ctx.registry.enabledAdmins(username)) === 0) {
      throw new ApiError(
        'LAST_ADMIN',
        `${username} is the last enabled admin and the bootstrap token is retired`,
      )
    }
  }
  api.get(
    '/users',
    {
      preHandler: write,
      schema: { summary: 'Web users, newest first', querystring: listQuery, response: { 200: page(user) } },
    },
    async (request) => ctx.registry.listUsers(request.query),
  )
  api.get(
    '/users/:username',
    {
      preHandler: write,
      schema: {
        summary: 'One web user (never the password)',
        params: userParams,
        response: { 200: user },
        errors: ['USER_NOT_FOUND'],
      },
    },
    async (request) => {
      const { username } = request.params
      const user = await ctx.registry.findUser(username)
      if (!user) throw new ApiError('USER_NOT_FOUND', `no user ${username}`)
      return user
    },
  )
}

/** A scoped supervisor sees only their grid: their prefix, narrowed further by the query if asked. */
export function scope(
  callerGrid: readonly string[] | undefined,
  asked: string[] | undefined,
): string[] | undefined {
  if (!callerGrid || callerGrid.length === 0) return asked
  if (asked && asked.length >= callerGrid.length && callerGrid.every((g, i) => asked[i] === g)) return asked
  return [...callerGrid]
}

export function inScope(
  callerGrid: readonly string[] | undefined,
  grid: readonly string[] | undefined,
): boolean {
  if (!callerGrid || callerGrid.length === 0) return true
  return callerGrid.every((g, i) => grid?.[i] === g)
}
