import type { Principal } from '../../kernel/contract/principal.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Carer, Role, User } from '../registry/schemas.ts'
import { randomToken, sameText, sha256 } from '../registry/secrets.ts'
import { bootstrapToken } from './bootstrap.ts'
import type { BootstrapRepository, SessionRepository } from './ports.ts'

/** Who is calling, as the routes and the live stream's rules see them. */
export interface Caller {
  username: string
  role: Role
  grid?: string[]
  carerId?: string
}

export const SESSION_MS = 12 * 3_600_000
/** A carer's phone session: a week, so a phone in a pocket is not signed out in the middle of a shift. */
export const CARER_SESSION_MS = 7 * 86_400_000

/** Why a login was refused: the route answers both the same way, the audit log tells them apart. */
export type LoginResult =
  | { ok: true; token: string; role: Role; expiresAt: number }
  | { ok: false; reason: 'bad_credentials' | 'disabled' }

export type CarerLoginResult =
  | { ok: true; token: string; role: 'carer'; carerId: string; expiresAt: number }
  | { ok: false; reason: 'bad_credentials' | 'not_a_carer' }

/** What access asks of the registry: checking credentials, and who a session stands for now. */
export interface Directory {
  verifyUser(username: string, password: string): Promise<User | undefined>
  verifyPrincipal(id: string, secret: string): Promise<Principal | null>
  findUser(username: string): Promise<User | undefined>
  getCarer(id: string): Carer | undefined
}

export interface AccessDeps {
  sessions: SessionRepository
  bootstrap: BootstrapRepository
  directory: Directory
  clock: Clock
  /** Told the token hashes of carer sessions that just ended, so their open MQTT connections close. */
  sessionsEnded?: (tokenHashes: readonly string[]) => void
}

/**
 * Bearer tokens: the bootstrap admin token (until it is retired), service tokens of in-process
 * integrations, and sessions from a login (random, 192 bits, kept hashed with an expiry). A session
 * stands for its user as the user is now: a disabled or deleted user's sessions are refused at once.
 */
export class Access {
  readonly #d: AccessDeps
  /** sha256 of the bootstrap admin token: the token itself is never kept. */
  #adminTokenHash = ''
  #retiredAt: number | undefined
  /** Service tokens (sha256 → principal), admitted as dispatchers; held in memory, new at every start. */
  readonly #services = new Map<string, string>()

  constructor(deps: AccessDeps) {
    this.#d = deps
  }

  /** Reads the bootstrap token's state, making the first token when there is none; answers it once. */
  async start(configuredAdminToken: string | undefined): Promise<{ printOnce?: string }> {
    const admin = await bootstrapToken(this.#d.bootstrap, configuredAdminToken)
    this.#adminTokenHash = admin.hash
    this.#retiredAt = admin.retiredAt
    return admin.printOnce ? { printOnce: admin.printOnce } : {}
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const user = await this.#d.directory.verifyUser(username, password)
    if (!user) return { ok: false, reason: 'bad_credentials' }
    if (user.disabled) return { ok: false, reason: 'disabled' }
    const token = randomToken()
    const expiresAt = this.#d.clock.now() + SESSION_MS
    await this.#d.sessions.add({ tokenHash: sha256(token), username, expiresAt })
    return { ok: true, token, role: user.role, expiresAt }
  }

  /**
   * A carer's phone login: the carer id and secret, checked as the broker checks them, traded for
   * a session token bound to the carer. The token is the phone's MQTT password from then on (see
   * `carerSession`) and a carer's bearer token on HTTP; the secret is never kept by the phone.
   */
  async carerLogin(carerId: string, secret: string): Promise<CarerLoginResult> {
    const principal = await this.#d.directory.verifyPrincipal(carerId, secret)
    if (!principal) return { ok: false, reason: 'bad_credentials' }
    if (principal.kind !== 'carer') return { ok: false, reason: 'not_a_carer' }
    const token = randomToken()
    const expiresAt = this.#d.clock.now() + CARER_SESSION_MS
    await this.#d.sessions.add({ tokenHash: sha256(token), username: carerId, carerId, expiresAt })
    return { ok: true, token, role: 'carer', carerId, expiresAt }
  }

  /**
   * The MQTT side of a carer session: `username = carerId, password = token` while it lives. A
   * sha256 and one lookup, so the broker tries it before the (scrypt) secret.
   */
  async carerSession(carerId: string, token: string): Promise<Principal | null> {
    if (token.length === 0) return null
    const session = sha256(token)
    const found = await this.#d.sessions.find(session)
    return found?.carerId === carerId && found.expiresAt > this.#d.clock.now()
      ? { kind: 'carer', id: carerId, session }
      : null
  }

  /** Ends every phone session of a carer (a new secret), and their open MQTT connections with them. */
  async endCarerSessions(carerId: string): Promise<number> {
    const hashes = await this.#d.sessions.endOfCarer(carerId)
    if (hashes.length > 0) this.#d.sessionsEnded?.(hashes)
    return hashes.length
  }

  /**
   * Ends the session of this token. The bootstrap token and service tokens are not sessions:
   * nothing can end them here (`not_a_session`), and the caller must be told so.
   */
  async logout(token: string): Promise<'ended' | 'not_a_session'> {
    const hash = sha256(token)
    if (this.#isBootstrap(token) || this.#services.has(hash)) return 'not_a_session'
    // a carer's phone logging out: its MQTT connection, made with this token, ends too
    if (await this.#d.sessions.end(hash)) this.#d.sessionsEnded?.([hash])
    return 'ended'
  }

  /** Ends every session of a web user (a new password or role, disabled, deleted); a carer's phone keeps its own. */
  endSessionsOf(username: string): Promise<number> {
    return this.#d.sessions.endOfUser(username)
  }

  get bootstrapRetired(): boolean {
    return this.#retiredAt !== undefined
  }

  /**
   * Retires the bootstrap admin token for good: refused from now on, and at every later start
   * even with CARE_ADMIN_TOKEN still set (docs/decisions.md). Returns when it was retired.
   */
  async retireBootstrap(): Promise<number> {
    if (this.#retiredAt !== undefined) return this.#retiredAt
    this.#retiredAt = await this.#d.bootstrap.retire(this.#d.clock.now())
    return this.#retiredAt
  }

  /** docs/decisions.md: an in-process integration (the embedded flows) calls the API as a dispatcher. */
  admitService(username: string, token: string): void {
    this.#services.set(sha256(token), username)
  }

  /** Whom the token stands for now, or undefined (unknown, expired, retired, a disabled user). */
  async resolve(token: string): Promise<Caller | undefined> {
    if (this.#isBootstrap(token)) {
      return this.#retiredAt === undefined ? { username: 'admin', role: 'admin' } : undefined
    }
    const hash = sha256(token)
    const service = this.#services.get(hash)
    if (service) return { username: service, role: 'dispatcher' }
    const session = await this.#d.sessions.find(hash)
    if (!session || session.expiresAt <= this.#d.clock.now()) return undefined
    if (session.carerId !== undefined) {
      // a carer's phone session: the carer, as the carer role sees itself
      const carer = this.#d.directory.getCarer(session.carerId)
      return carer ? { username: carer.id, role: 'carer', carerId: carer.id } : undefined
    }
    const user = await this.#d.directory.findUser(session.username)
    if (!user || user.disabled) return undefined
    const caller: Caller = { username: user.username, role: user.role }
    if (user.grid) caller.grid = user.grid
    if (user.carerId) caller.carerId = user.carerId
    return caller
  }

  /** The bootstrap token after its retirement: refused, with a message saying why. */
  isRetiredBootstrap(token: string): boolean {
    return this.#retiredAt !== undefined && this.#isBootstrap(token)
  }

  #isBootstrap(token: string): boolean {
    return this.#adminTokenHash !== '' && sameText(sha256(token), this.#adminTokenHash)
  }
}
