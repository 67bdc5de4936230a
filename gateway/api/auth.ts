import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../../kernel/contract/principal.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { LiveViewer } from '../live/hub.ts'
import type { Registry } from '../registry/registry.ts'
import type { Role } from '../registry/schemas.ts'
import { randomToken, sameText, sha256 } from '../registry/secrets.ts'
import type { Store } from '../store/db.ts'
import { ApiError } from './errors.ts'

export interface Caller {
  username: string
  role: Role
  grid?: string[]
  carerId?: string
}

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

export const SESSION_MS = 12 * 3_600_000
/** A carer's phone session: a week, so a phone in a pocket is not signed out in the middle of a shift. */
export const CARER_SESSION_MS = 7 * 86_400_000

export type RoleGuard = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
  roles: readonly Role[]
}

/** Why a login was refused: the route answers both the same way, the audit log tells them apart. */
export type LoginResult =
  | { ok: true; token: string; role: Role; expiresAt: number }
  | { ok: false; reason: 'bad_credentials' | 'disabled' }

/** The settings row that says the bootstrap admin token was retired, and when. */
export const RETIRED_KEY = 'admin_token_retired_at'

/**
 * Bearer tokens: the bootstrap admin token from config (until it is retired), or a session token
 * from `POST /auth/login` (random, 192 bits, stored hashed with an expiry). A session stands for
 * its user as the user is now: a disabled or deleted user's sessions are refused at once.
 */
export class Auth {
  readonly #store: Store
  readonly #registry: Registry
  readonly #clock: Clock
  /** sha256 of the bootstrap admin token: the token itself is never stored. */
  readonly #adminTokenHash: string
  #retiredAt: number | undefined
  /** Service tokens (sha256 → principal), admitted as dispatchers; held in memory, new at every start. */
  readonly #services = new Map<string, string>()

  /** Told the token hashes of carer sessions that just ended, so their open MQTT connections close. */
  readonly #sessionsEnded: (tokenHashes: readonly string[]) => void

  constructor(
    store: Store,
    registry: Registry,
    clock: Clock,
    adminTokenHash: string,
    sessionsEnded: (tokenHashes: readonly string[]) => void = () => undefined,
  ) {
    this.#sessionsEnded = sessionsEnded
    this.#store = store
    this.#registry = registry
    this.#clock = clock
    this.#adminTokenHash = adminTokenHash
    const retired = store.db.prepare('SELECT value FROM settings WHERE key = ?').get(RETIRED_KEY) as
      | { value: string }
      | undefined
    this.#retiredAt = retired ? Number(retired.value) : undefined
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const user = await this.#registry.verifyUser(username, password)
    if (!user) return { ok: false, reason: 'bad_credentials' }
    if (user.disabled) return { ok: false, reason: 'disabled' }
    const token = randomToken()
    const expiresAt = this.#clock.now() + SESSION_MS
    this.#store.db
      .prepare('INSERT INTO sessions (token_hash, username, expires_at) VALUES (?, ?, ?)')
      .run(sha256(token), username, expiresAt)
    return { ok: true, token, role: user.role, expiresAt }
  }

  /**
   * A carer's phone login: the carer id and secret, checked as the broker checks them, traded for
   * a session token bound to the carer. The token is the phone's MQTT password from then on (see
   * `carerSession`) and a carer's bearer token on HTTP; the secret is never kept by the phone.
   */
  async carerLogin(
    carerId: string,
    secret: string,
  ): Promise<
    | { ok: true; token: string; role: 'carer'; carerId: string; expiresAt: number }
    | { ok: false; reason: 'bad_credentials' | 'not_a_carer' }
  > {
    const principal = await this.#registry.verifyPrincipal(carerId, secret)
    if (!principal) return { ok: false, reason: 'bad_credentials' }
    if (principal.kind !== 'carer') return { ok: false, reason: 'not_a_carer' }
    const token = randomToken()
    const expiresAt = this.#clock.now() + CARER_SESSION_MS
    this.#store.db
      .prepare('INSERT INTO sessions (token_hash, username, carer_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(token), carerId, carerId, expiresAt)
    return { ok: true, token, role: 'carer', carerId, expiresAt }
  }

  /**
   * The MQTT side of a carer session: `username = carerId, password = token` while it lives. A
   * sha256 and one indexed lookup, so the broker tries it before the (scrypt) secret.
   */
  carerSession(carerId: string, token: string): Principal | null {
    if (token.length === 0) return null
    const row = this.#store.db
      .prepare('SELECT expires_at FROM sessions WHERE token_hash = ? AND carer_id = ?')
      .get(sha256(token), carerId) as { expires_at: number } | undefined
    const session = sha256(token)
    return row && row.expires_at > this.#clock.now() ? { kind: 'carer', id: carerId, session } : null
  }

  /** Ends every phone session of a carer (a new secret), and their open MQTT connections with them. */
  endCarerSessions(carerId: string): number {
    const hashes = (
      this.#store.db.prepare('SELECT token_hash FROM sessions WHERE carer_id = ?').all(carerId) as {
        token_hash: string
      }[]
    ).map((r) => r.token_hash)
    this.#store.db.prepare('DELETE FROM sessions WHERE carer_id = ?').run(carerId)
    if (hashes.length > 0) this.#sessionsEnded(hashes)
    return hashes.length
  }

  /**
   * Ends the session of this token. The bootstrap token and service tokens are not sessions:
   * nothing can end them here (`not_a_session`), and the caller must be told so.
   */
  logout(token: string): 'ended' | 'not_a_session' {
    if (this.#isBootstrap(token) || this.#services.has(sha256(token))) return 'not_a_session'
    const hash = sha256(token)
    const ended = this.#store.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash)
    // a carer's phone logging out: its MQTT connection, made with this token, ends too
    if (Number(ended.changes) > 0) this.#sessionsEnded([hash])
    return 'ended'
  }

  /** Ends every session of a web user (a new password or role, disabled, deleted); a carer's phone keeps its own. */
  endSessionsOf(username: string): number {
    return Number(
      this.#store.db.prepare('DELETE FROM sessions WHERE username = ? AND carer_id IS NULL').run(username)
        .changes,
    )
  }

  get bootstrapRetired(): boolean {
    return this.#retiredAt !== undefined
  }

  /**
   * Retires the bootstrap admin token for good: refused from now on, and at every later start
   * even with CARE_ADMIN_TOKEN still set (docs/decisions.md). Returns when it was retired.
   */
  retireBootstrap(): number {
    if (this.#retiredAt !== undefined) return this.#retiredAt
    const at = this.#clock.now()
    this.#store.tx(() => {
      this.#store.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(RETIRED_KEY, String(at))
      this.#store.db.prepare("DELETE FROM settings WHERE key = 'admin_token_hash'").run()
    })
    this.#retiredAt = at
    return at
  }

  /** docs/decisions.md: an in-process integration (the embedded flows) calls the API as a dispatcher. */
  admitService(username: string, token: string): void {
    this.#services.set(sha256(token), username)
  }

  resolve(token: string): Caller | undefined {
    if (this.#isBootstrap(token))
      return this.#retiredAt === undefined ? { username: 'admin', role: 'admin' } : undefined
    const service = this.#services.get(sha256(token))
    if (service) return { username: service, role: 'dispatcher' }
    const row = this.#store.db
      .prepare('SELECT username, carer_id, expires_at FROM sessions WHERE token_hash = ?')
      .get(sha256(token)) as { username: string; carer_id: string | null; expires_at: number } | undefined
    if (!row || row.expires_at <= this.#clock.now()) return undefined
    if (row.carer_id !== null) {
      // a carer's phone session: the carer, as the carer role sees itself
      const carer = this.#registry.getCarer(row.carer_id)
      return carer ? { username: carer.id, role: 'carer', carerId: carer.id } : undefined
    }
    const user = this.#registry.getUser(row.username)
    if (!user || user.disabled) return undefined
    const caller: Caller = { username: user.username, role: user.role }
    if (user.grid) caller.grid = user.grid
    if (user.carerId) caller.carerId = user.carerId
    return caller
  }

  #isBootstrap(token: string): boolean {
    return this.#adminTokenHash !== '' && sameText(sha256(token), this.#adminTokenHash)
  }

  /**
   * A guard admitting only these roles; it carries them, so the route table can list who may call.
   * Routes name it as `preHandler`, and the route table moves it to `onRequest` (route-table.ts):
   * the token and the role are checked on the request's head, before any of the body is read.
   */
  allow(...roles: Role[]): RoleGuard {
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const caller = this.#authenticate(request)
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

  #authenticate(request: FastifyRequest): Caller {
    // Browsers cannot set headers on a WebSocket: there the token may come as `?token=`.
    const token =
      bearer(request) ?? (request.headers.upgrade === 'websocket' ? queryToken(request) : undefined)
    if (!token) throw new ApiError('UNAUTHENTICATED', 'send Authorization: Bearer <token>')
    const caller = this.resolve(token)
    if (caller) return caller
    if (this.#retiredAt !== undefined && this.#isBootstrap(token)) {
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
