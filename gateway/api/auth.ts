import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Access, Caller } from '../access/access.ts'
import type { LiveViewer } from '../live/hub.ts'
import type { Role } from '../registry/schemas.ts'
import { ApiError } from './errors.ts'

export type { Caller }

/** The caller as the live stream's rules see them (gateway/live/hub.ts), for the REST routes to apply the same. */
export function viewerOf(caller: Caller): LiveViewer {
  const viewer: LiveViewer = { role: caller.role }
  if (caller.grid) viewer.grid = caller.grid
  if (caller.carerId) viewer.carerId = caller.carerId
  return viewer
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller
  }
}

export type RoleGuard = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
  roles: readonly Role[]
}

/**
 * The HTTP side of access: a request's bearer token, resolved by `Access`, admitted by role. The
 * tokens themselves — sessions, the bootstrap token, service tokens — are gateway/access/'s.
 */
export class Auth {
  readonly #access: Access

  constructor(access: Access) {
    this.#access = access
  }

  /**
   * A guard admitting only these roles; it carries them, so the route table can list who may call.
   * Routes name it as `preHandler`, and the route table moves it to `onRequest` (route-table.ts):
   * the token and the role are checked on the request's head, before any of the body is read.
   */
  allow(...roles: Role[]): RoleGuard {
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const caller = await this.#authenticate(request)
        if (!roles.includes(caller.role)) throw new ApiError('FORBIDDEN', `${caller.role} may not do this`)
        request.caller = caller
      } catch (error) {
        // a refused request's body is never read: close rather than drain what the client still sends
        if (hasBody(request)) reply.header('connection', 'close')
        throw error
      }
    }
    return Object.assign(guard, { roles: Object.freeze([...roles]) })
  }

  async #authenticate(request: FastifyRequest): Promise<Caller> {
    // Browsers cannot set headers on a WebSocket: there the token may come as `?token=`.
    const token =
      bearer(request) ?? (request.headers.upgrade === 'websocket' ? queryToken(request) : undefined)
    if (!token) throw new ApiError('UNAUTHENTICATED', 'send Authorization: Bearer <token>')
    const caller = await this.#access.resolve(token)
    if (caller) return caller
    if (this.#access.isRetiredBootstrap(token)) {
      throw new ApiError('UNAUTHENTICATED', 'the bootstrap admin token was retired; sign in as an admin user')
    }
    throw new ApiError('UNAUTHENTICATED', 'token unknown or expired')
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = (request.query as { token?: unknown } | undefined)?.token
  return typeof token === 'string' && token.length > 0 ? token : undefined
}

export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
}
