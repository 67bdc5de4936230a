import type { Principal } from '../../kernel/contract/principal.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Store } from '../store/db.ts'
import {
  type Carer,
  type CarerBody,
  type Device,
  type DeviceBody,
  type Elder,
  type ElderBody,
  gridKey,
  type Service,
  type ServiceBody,
  type User,
  type UserBody,
} from './schemas.ts'
import { dummyVerify, hashSecret, machineCost, passwordCost, sha256, verifySecret } from './secrets.ts'

export class RegistryError extends Error {
  readonly code: 'UNKNOWN_ELDER' | 'ID_TAKEN' | 'UNKNOWN_CARER'
  constructor(code: RegistryError['code'], message: string) {
    super(message)
    this.code = code
  }
}

export interface Page<T> {
  items: T[]
  next?: string
}

export interface ListQuery {
  limit: number
  cursor?: string | undefined
  /** Only records whose grid path starts with this prefix. */
  grid?: readonly string[] | undefined
}

export interface RegistryHooks {
  carerChanged?(carer: Carer): void
  deviceChanged?(device: Device): void
  elderChanged?(elder: Elder): void
}

/** One validated row of a bulk import (secrets already hashed). */
export type BulkRow =
  | { type: 'elder'; id: string; body: ElderBody }
  | { type: 'device'; id: string; body: Omit<DeviceBody, 'secret'>; secretHash: string }
  | { type: 'carer'; id: string; body: Omit<CarerBody, 'secret'>; secretHash: string }
export type BulkOutcome = { created: boolean } | { error: RegistryError }

type Dict = Record<string, unknown>

/**
 * Elders, devices, carers and users in the store. Secrets are hashed on the
 * way in and never leave; every read returns the contract's shapes.
 */
export class Registry {
  readonly #store: Store
  readonly #clock: Clock
  readonly #hooks: RegistryHooks
  /** sha256(id, secret) of credentials verified since start: a reconnect storm costs no scrypt. */
  readonly #verified = new Map<string, string>()

  constructor(store: Store, clock: Clock, hooks: RegistryHooks = {}) {
    this.#store = store
    this.#clock = clock
    this.#hooks = hooks
  }

  putElder(id: string, body: ElderBody): { created: boolean; elder: Elder } {
    const now = this.#clock.now()
    const db = this.#store.db
    const existing = db.prepare('SELECT created_at FROM elders WHERE id = ?').get(id) as Dict | undefined
    db.prepare(
      `INSERT INTO elders (id, doc, grid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, grid = excluded.grid, updated_at = excluded.updated_at`,
    ).run(id, JSON.stringify(body), gridKey(body.grid), now, now)
    const elder = this.getElder(id) as Elder
    this.#hooks.elderChanged?.(elder)
    return { created: existing === undefined, elder }
  }

  /**
   * Bulk import: rows already validated and secrets already hashed (scrypt is the slow part, done
   * concurrently outside). One transaction for the batch; a refused row never undoes the others.
   */
  importMany(rows: readonly BulkRow[]): BulkOutcome[] {
    const now = this.#clock.now()
    const db = this.#store.db
    const changed: (() => void)[] = []
    const outcomes = this.#store.tx(() =>
      rows.map((row): BulkOutcome => {
        if (row.type === 'elder') {
          const created = !this.#exists('elders', row.id)
          db.prepare(
            `INSERT INTO elders (id, doc, grid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, grid = excluded.grid, updated_at = excluded.updated_at`,
          ).run(row.id, JSON.stringify(row.body), gridKey(row.body.grid), now, now)
          changed.push(() => this.#hooks.elderChanged?.(this.getElder(row.id) as Elder))
          return { created }
        }
        if (row.type === 'device') {
          if (!this.#exists('elders', row.body.elderId)) {
            return { error: new RegistryError('UNKNOWN_ELDER', `no elder ${row.body.elderId}`) }
          }
          if (this.#exists('carers', row.id) || this.#exists('services', row.id)) {
            return {
              error: new RegistryError('ID_TAKEN', `${row.id} is already a carer's or a service's id`),
            }
          }
          const created = !this.#exists('devices', row.id)
          db.prepare(
            `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, elder_id = excluded.elder_id,
               secret_hash = excluded.secret_hash, interval_s = excluded.interval_s, updated_at = excluded.updated_at`,
          ).run(row.id, row.body.kind, row.body.elderId, row.secretHash, row.body.intervalS, now, now)
          changed.push(() => this.#hooks.deviceChanged?.(this.getDevice(row.id) as Device))
          return { created }
        }
        if (this.#exists('devices', row.id) || this.#exists('services', row.id)) {
          return { error: new RegistryError('ID_TAKEN', `${row.id} is already a device's or a service's id`) }
        }
        const created = !this.#exists('carers', row.id)
        db.prepare(
          `INSERT INTO carers (id, doc, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, secret_hash = excluded.secret_hash,
             updated_at = excluded.updated_at`,
        ).run(row.id, JSON.stringify(row.body), row.secretHash, now, now)
        changed.push(() => this.#hooks.carerChanged?.(this.getCarer(row.id) as Carer))
        return { created }
      }),
    )
    // Hooks run after the commit, so a listener never sees a row that was rolled back.
    for (const notify of changed) notify()
    return outcomes
  }

  getElder(id: string): Elder | undefined {
    const row = this.#store.db.prepare('SELECT * FROM elders WHERE id = ?').get(id) as Dict | undefined
    return row ? elderOf(row) : undefined
  }

  listElders(q: ListQuery): Page<Elder> {
    return this.#page('elders', 'id', q, elderOf)
  }

  async putDevice(id: string, body: DeviceBody): Promise<{ created: boolean; device: Device }> {
    if (!this.getElder(body.elderId)) throw new RegistryError('UNKNOWN_ELDER', `no elder ${body.elderId}`)
    if (this.#exists('carers', id) || this.#exists('services', id)) {
      throw new RegistryError('ID_TAKEN', `${id} is already a carer's or a service's id`)
    }
    const secretHash = await hashSecret(body.secret, machineCost)
    const now = this.#clock.now()
    const db = this.#store.db
    const created = !this.#exists('devices', id)
    db.prepare(
      `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, elder_id = excluded.elder_id,
         secret_hash = excluded.secret_hash, interval_s = excluded.interval_s, updated_at = excluded.updated_at`,
    ).run(id, body.kind, body.elderId, secretHash, body.intervalS, now, now)
    const device = this.getDevice(id) as Device
    this.#hooks.deviceChanged?.(device)
    return { created, device }
  }

  getDevice(id: string): Device | undefined {
    const row = this.#store.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Dict | undefined
    return row ? deviceOf(row) : undefined
  }

  listDevices(q: ListQuery): Page<Device> {
    return this.#page('devices', 'id', q, deviceOf, 'elder_id IN (SELECT id FROM elders WHERE')
  }

  devicesOfElder(elderId: string): Device[] {
    const rows = this.#store.db.prepare('SELECT * FROM devices WHERE elder_id = ?').all(elderId) as Dict[]
    return rows.map(deviceOf)
  }

  /**
   * Creates or replaces a carer. The same secret keeps its stored hash, so `secretChanged` says
   * whether the phone's sessions must end (docs/security.md); a new name or mode does not.
   */
  async putCarer(
    id: string,
    body: CarerBody,
  ): Promise<{ created: boolean; carer: Carer; secretChanged: boolean }> {
    if (this.#exists('devices', id)) throw new RegistryError('ID_TAKEN', `${id} is already a device's id`)
    if (this.#exists('services', id)) throw new RegistryError('ID_TAKEN', `${id} is already a service's id`)
    const { secret, ...doc } = body
    const before = this.#store.db.prepare('SELECT secret_hash FROM carers WHERE id = ?').get(id) as
      | { secret_hash: string }
      | undefined
    const same = before !== undefined && (await verifySecret(secret, before.secret_hash))
    const secretHash = same ? before.secret_hash : await hashSecret(secret, machineCost)
    const now = this.#clock.now()
    this.#store.db
      .prepare(
        `INSERT INTO carers (id, doc, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, secret_hash = excluded.secret_hash,
           updated_at = excluded.updated_at`,
      )
      .run(id, JSON.stringify(doc), secretHash, now, now)
    const carer = this.getCarer(id) as Carer
    this.#hooks.carerChanged?.(carer)
    return { created: before === undefined, carer, secretChanged: before !== undefined && !same }
  }

  getCarer(id: string): Carer | undefined {
    const row = this.#store.db.prepare('SELECT * FROM carers WHERE id = ?').get(id) as Dict | undefined
    return row ? carerOf(row) : undefined
  }

  listCarers(q: ListQuery): Page<Carer> {
    return this.#page('carers', 'id', { limit: q.limit, cursor: q.cursor }, carerOf)
  }

  allCarers(): Carer[] {
    return (this.#store.db.prepare('SELECT * FROM carers').all() as Dict[]).map(carerOf)
  }

  /**
   * Creates or replaces a web user. `credentialsChanged` says whether what a session stands for
   * changed — the password, the role, the grid or the carer — so the caller can end the user's
   * sessions (docs/security.md); a new name alone does not. A disabled user stays disabled.
   */
  async putUser(
    username: string,
    body: UserBody,
  ): Promise<{ created: boolean; user: User; credentialsChanged: boolean }> {
    if (body.carerId !== undefined && !this.#exists('carers', body.carerId)) {
      throw new RegistryError('UNKNOWN_CARER', `no carer ${body.carerId}`)
    }
    const before = this.#store.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      | Dict
      | undefined
    const passHash = await hashSecret(body.password, passwordCost)
    const credentialsChanged =
      before !== undefined &&
      (before.role !== body.role ||
        before.grid !== (body.grid ? JSON.stringify(body.grid) : null) ||
        before.carer_id !== (body.carerId ?? null) ||
        !(await verifySecret(body.password, String(before.pass_hash))))
    const now = this.#clock.now()
    this.#store.db
      .prepare(
        `INSERT INTO users (username, role, pass_hash, name, grid, carer_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET role = excluded.role, pass_hash = excluded.pass_hash,
           name = excluded.name, grid = excluded.grid, carer_id = excluded.carer_id, updated_at = excluded.updated_at`,
      )
      .run(
        username,
        body.role,
        passHash,
        body.name ?? null,
        body.grid ? JSON.stringify(body.grid) : null,
        body.carerId ?? null,
        now,
        now,
      )
    return { created: before === undefined, user: this.getUser(username) as User, credentialsChanged }
  }

  /** Disables or enables a web user; undefined when there is no such user. */
  setUserDisabled(username: string, disabled: boolean): User | undefined {
    const now = this.#clock.now()
    this.#store.db
      .prepare(
        `UPDATE users SET disabled_at = CASE WHEN ? THEN coalesce(disabled_at, ?) END, updated_at = ?
         WHERE username = ?`,
      )
      .run(disabled ? 1 : 0, now, now, username)
    return this.getUser(username)
  }

  /** Deletes a web user; the audit log keeps naming them (its rows hold the name as text). */
  deleteUser(username: string): boolean {
    return this.#store.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0
  }

  /** Enabled admin users, besides `except` (the one about to change). */
  enabledAdmins(except?: string): number {
    const row = this.#store.db
      .prepare(
        "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND username IS NOT ?",
      )
      .get(except ?? null) as { n: number }
    return row.n
  }

  getUser(username: string): User | undefined {
    const row = this.#store.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      | Dict
      | undefined
    return row ? userOf(row) : undefined
  }

  listUsers(q: ListQuery): Page<User> {
    return this.#page('users', 'username', { limit: q.limit, cursor: q.cursor }, userOf)
  }

  async verifyUser(username: string, password: string): Promise<User | undefined> {
    const row = this.#store.db.prepare('SELECT pass_hash FROM users WHERE username = ?').get(username) as
      | { pass_hash: string }
      | undefined
    // an unknown name costs the same derivation as a wrong password (docs/security.md: account probing)
    if (!row) return dummyVerify(password, passwordCost).then(() => undefined)
    if (!(await verifySecret(password, row.pass_hash))) return undefined
    return this.getUser(username)
  }

  /** MQTT credentials: username is a device or carer id, password its secret. */
  /**
   * A service principal (an integration such as the embedded flows): it may
   * read the integration events over MQTT and nothing else.
   */
  async putService(id: string, body: ServiceBody): Promise<{ created: boolean; service: Service }> {
    if (this.#exists('devices', id) || this.#exists('carers', id)) {
      throw new RegistryError('ID_TAKEN', `${id} is already a device's or a carer's id`)
    }
    const secretHash = await hashSecret(body.secret, machineCost)
    const now = this.#clock.now()
    const created = !this.#exists('services', id)
    this.#store.db
      .prepare(
        `INSERT INTO services (id, name, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash,
           updated_at = excluded.updated_at`,
      )
      .run(id, body.name ?? '', secretHash, now, now)
    const row = this.#store.db
      .prepare('SELECT id, name, created_at, updated_at FROM services WHERE id = ?')
      .get(id) as Dict
    return {
      created,
      service: {
        id,
        name: String(row.name),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      },
    }
  }

  async verifyPrincipal(username: string, password: string): Promise<Principal | null> {
    const db = this.#store.db
    const device = db.prepare('SELECT secret_hash FROM devices WHERE id = ?').get(username) as
      | Dict
      | undefined
    const carer = device
      ? undefined
      : (db.prepare('SELECT secret_hash FROM carers WHERE id = ?').get(username) as Dict | undefined)
    const service =
      device || carer
        ? undefined
        : (db.prepare('SELECT secret_hash FROM services WHERE id = ?').get(username) as Dict | undefined)
    const row = device ?? carer ?? service
    // security: an unknown id costs the same scrypt as a known one, or the answer's timing tells who exists
    if (!row) return dummyVerify(password, machineCost).then(() => null)
    const stored = String(row.secret_hash)
    const key = sha256(`${username}\u0000${password}`)
    // A changed secret changes the stored hash, so a cached verification of the old one no longer matches.
    if (this.#verified.get(key) !== stored) {
      if (!(await verifySecret(password, stored))) return null
      this.#verified.set(key, stored)
    }
    return { kind: device ? 'device' : carer ? 'carer' : 'service', id: username }
  }

  #exists(table: 'elders' | 'devices' | 'carers' | 'users' | 'services', id: string, column = 'id'): boolean {
    return this.#store.db.prepare(`SELECT 1 FROM ${table} WHERE ${column} = ?`).get(id) !== undefined
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  #page<T>(
    table: 'elders' | 'devices' | 'carers' | 'users',
    idColumn: string,
    q: ListQuery,
    map: (row: Dict) => T,
    gridVia?: string,
  ): Page<T> {
    const where: string[] = []
    const args: (string | number)[] = []
    const cursor = decodeCursor(q.cursor)
    if (cursor) {
      where.push(`(created_at < ? OR (created_at = ? AND ${idColumn} < ?))`)
      args.push(cursor.at, cursor.at, cursor.id)
    }
    if (q.grid && q.grid.length > 0) {
      const prefix = gridKey(q.grid)
      where.push(gridVia ? `${gridVia} substr(grid, 1, ?) = ?)` : 'substr(grid, 1, ?) = ?')
      args.push(prefix.length, prefix)
    }
    const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, ${idColumn} DESC LIMIT ?`
    const rows = this.#store.db.prepare(sql).all(...args, q.limit + 1) as Dict[]
    const items = rows.slice(0, q.limit).map(map)
    const last = rows[q.limit - 1]
    return rows.length > q.limit && last
      ? { items, next: encodeCursor(Number(last.created_at), String(last[idColumn])) }
      : { items }
  }
}

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

export function decodeCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  if (!cursor) return undefined
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown]
    if (typeof at === 'number' && typeof id === 'string') return { at, id }
  } catch {
    // fall through: a cursor we did not make reads as the first page
  }
  return undefined
}

function stamps(row: Dict): { createdAt: number; updatedAt: number } {
  return { createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }
}

function elderOf(row: Dict): Elder {
  return { id: String(row.id), ...(JSON.parse(String(row.doc)) as ElderBody), ...stamps(row) }
}

function deviceOf(row: Dict): Device {
  const device: Device = {
    id: String(row.id),
    kind: row.kind as Device['kind'],
    elderId: String(row.elder_id),
    intervalS: Number(row.interval_s),
    ...stamps(row),
  }
  if (row.online !== null && row.online !== undefined) device.online = row.online === 1
  if (typeof row.battery === 'number') device.battery = row.battery
  if (typeof row.last_seen_at === 'number') device.lastSeenAt = row.last_seen_at
  if (typeof row.last_test_at === 'number') device.lastTestAt = row.last_test_at
  return device
}

function carerOf(row: Dict): Carer {
  const carer: Carer = {
    id: String(row.id),
    ...(JSON.parse(String(row.doc)) as Omit<CarerBody, 'secret'>),
    duty: row.duty === 'on' ? 'on' : 'off',
    ...stamps(row),
  }
  if (typeof row.lat === 'number' && typeof row.lon === 'number' && typeof row.pos_at === 'number') {
    carer.position = { lat: row.lat, lon: row.lon, at: row.pos_at }
  }
  return carer
}

function userOf(row: Dict): User {
  const user: User = {
    username: String(row.username),
    role: row.role as User['role'],
    disabled: row.disabled_at !== null && row.disabled_at !== undefined,
    ...stamps(row),
  }
  if (typeof row.name === 'string') user.name = row.name
  if (typeof row.grid === 'string') user.grid = JSON.parse(row.grid) as string[]
  if (typeof row.carer_id === 'string') user.carerId = row.carer_id
  return user
}
