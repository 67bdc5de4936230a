import type {
  BulkResult,
  BulkRow,
  Credential,
  DeviceQuery,
  ElderQuery,
  ListQuery,
  Page,
  RegistryRepository,
  RegistrySnapshot,
  Saved,
  UserCredential,
} from '../../registry/ports.ts'
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
  type Station,
  type StationBody,
  type User,
  type UserBody,
} from '../../registry/schemas.ts'
import type { Store } from '../db.ts'
import { pageOf, Where } from './paging.ts'
import { Statements } from './statements.ts'

type Dict = Record<string, unknown>

const UPSERT_ELDER = `INSERT INTO elders (id, doc, grid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, grid = excluded.grid, updated_at = excluded.updated_at`
const UPSERT_DEVICE = `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, elder_id = excluded.elder_id,
    secret_hash = excluded.secret_hash, interval_s = excluded.interval_s, updated_at = excluded.updated_at`
const UPSERT_CARER = `INSERT INTO carers (id, doc, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, secret_hash = excluded.secret_hash,
    updated_at = excluded.updated_at`
const UPSERT_SERVICE = `INSERT INTO services (id, name, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash,
    updated_at = excluded.updated_at`
const UPSERT_STATION = `INSERT INTO stations (id, doc, grid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, grid = excluded.grid, updated_at = excluded.updated_at`
const UPSERT_USER = `INSERT INTO users (username, role, pass_hash, name, grid, carer_id, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(username) DO UPDATE SET role = excluded.role, pass_hash = excluded.pass_hash,
    name = excluded.name, grid = excluded.grid, carer_id = excluded.carer_id, updated_at = excluded.updated_at`

type Table = 'elders' | 'devices' | 'carers' | 'services' | 'stations'

/** The registry's tables in the SQLite store. Each write is one transaction and answers the row as stored. */
export class SqliteRegistry implements RegistryRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async load(): Promise<RegistrySnapshot> {
    return {
      elders: this.#all('SELECT * FROM elders').map(elderOf),
      devices: this.#all('SELECT * FROM devices').map(deviceOf),
      carers: this.#all('SELECT * FROM carers').map(carerOf),
    }
  }

  async saveElder(id: string, body: ElderBody, at: number): Promise<Saved<Elder>> {
    return this.#store.tx(() => this.#saveElder(id, body, at))
  }

  async listElders(q: ElderQuery): Promise<Page<Elder>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    const prefix = gridKey(q.grid)
    if (prefix) where.add('substr(grid, 1, ?) = ?', prefix.length, prefix)
    if (q.risk && q.risk.length > 0) {
      where.add(`json_extract(doc, '$.risk') IN (${q.risk.map(() => '?').join(', ')})`, ...q.risk)
    }
    if (q.text) {
      // instr, not LIKE: a % or _ typed is a character to find, not a wildcard
      const word = q.text.toLowerCase()
      where.add(
        `(instr(lower(id), ?) > 0 OR instr(lower(json_extract(doc, '$.name')), ?) > 0
          OR instr(coalesce(json_extract(doc, '$.phone'), ''), ?) > 0
          OR instr(lower(coalesce(json_extract(doc, '$.address'), '')), ?) > 0)`,
        word,
        word,
        word,
        word,
      )
    }
    return this.#page('elders', 'id', where, q.limit, elderOf)
  }

  async saveDevice(
    id: string,
    body: Omit<DeviceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Device>> {
    return this.#store.tx(() => this.#saveDevice(id, body, secretHash, at))
  }

  async findDevice(id: string): Promise<Device | undefined> {
    const row = this.#sql.get('SELECT * FROM devices WHERE id = ?').get(id) as Dict | undefined
    return row ? deviceOf(row) : undefined
  }

  async listDevices(q: DeviceQuery): Promise<Page<Device>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    if (q.elderIds) where.add(`elder_id IN (${q.elderIds.map(() => '?').join(', ')})`, ...q.elderIds)
    const prefix = gridKey(q.grid)
    if (prefix) {
      where.add('elder_id IN (SELECT id FROM elders WHERE substr(grid, 1, ?) = ?)', prefix.length, prefix)
    }
    return this.#page('devices', 'id', where, q.limit, deviceOf)
  }

  async saveCarer(
    id: string,
    body: Omit<CarerBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Carer>> {
    return this.#store.tx(() => this.#saveCarer(id, body, secretHash, at))
  }

  async listCarers(q: ListQuery): Promise<Page<Carer>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    return this.#page('carers', 'id', where, q.limit, carerOf)
  }

  async saveService(
    id: string,
    body: Omit<ServiceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Service>> {
    return this.#store.tx(() => {
      const created = !this.#exists('services', id)
      this.#sql.get(UPSERT_SERVICE).run(id, body.name ?? '', secretHash, at, at)
      const row = this.#sql.get('SELECT * FROM services WHERE id = ?').get(id) as Dict
      const record: Service = { id, name: String(row.name), ...stamps(row) }
      return { created, record }
    })
  }

  async listServices(q: ListQuery): Promise<Page<Service>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    return this.#page('services', 'id', where, q.limit, (row) => ({
      id: String(row.id),
      name: String(row.name),
      ...stamps(row),
    }))
  }

  async saveStation(id: string, body: StationBody, at: number): Promise<Saved<Station>> {
    return this.#store.tx(() => {
      const created = !this.#exists('stations', id)
      this.#sql.get(UPSERT_STATION).run(id, JSON.stringify(body), gridKey(body.grid), at, at)
      const row = this.#sql.get('SELECT * FROM stations WHERE id = ?').get(id) as Dict
      return { created, record: stationOf(row) }
    })
  }

  async findStation(id: string): Promise<Station | undefined> {
    const row = this.#sql.get('SELECT * FROM stations WHERE id = ?').get(id) as Dict | undefined
    return row ? stationOf(row) : undefined
  }

  async listStations(q: ListQuery): Promise<Page<Station>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    const prefix = gridKey(q.grid)
    if (prefix) where.add('substr(grid, 1, ?) = ?', prefix.length, prefix)
    return this.#page('stations', 'id', where, q.limit, stationOf)
  }

  async credential(id: string): Promise<Credential | undefined> {
    for (const [table, kind] of [
      ['devices', 'device'],
      ['carers', 'carer'],
      ['services', 'service'],
    ] as const) {
      const row = this.#sql.get(`SELECT secret_hash FROM ${table} WHERE id = ?`).get(id) as Dict | undefined
      if (row) return { kind, secretHash: String(row.secret_hash) }
    }
    return undefined
  }

  async importMany(rows: readonly BulkRow[], at: number): Promise<BulkResult[]> {
    return this.#store.tx(() =>
      rows.map((row): BulkResult => {
        if (row.type === 'elder') return { stored: this.#saveElder(row.id, row.body, at) }
        if (row.type === 'device') {
          if (!this.#exists('elders', row.body.elderId)) return { refused: 'UNKNOWN_ELDER' }
          if (this.#exists('carers', row.id) || this.#exists('services', row.id))
            return { refused: 'ID_TAKEN' }
          return { stored: this.#saveDevice(row.id, row.body, row.secretHash, at) }
        }
        if (this.#exists('devices', row.id) || this.#exists('services', row.id))
          return { refused: 'ID_TAKEN' }
        return { stored: this.#saveCarer(row.id, row.body, row.secretHash, at) }
      }),
    )
  }

  async saveUser(
    username: string,
    body: Omit<UserBody, 'password'>,
    passHash: string,
    at: number,
  ): Promise<Saved<User>> {
    return this.#store.tx(() => {
      const created = this.#user(username) === undefined
      this.#sql
        .get(UPSERT_USER)
        .run(
          username,
          body.role,
          passHash,
          body.name ?? null,
          body.grid ? JSON.stringify(body.grid) : null,
          body.carerId ?? null,
          at,
          at,
        )
      return { created, record: userOf(this.#user(username) as Dict) }
    })
  }

  async findUser(username: string): Promise<UserCredential | undefined> {
    const row = this.#user(username)
    return row ? { user: userOf(row), passHash: String(row.pass_hash) } : undefined
  }

  async listUsers(q: ListQuery): Promise<Page<User>> {
    const where = new Where().after(q.cursor, 'created_at', 'username')
    const sql = `SELECT * FROM users ${where} ORDER BY created_at DESC, username DESC LIMIT ?`
    const rows = this.#sql.get(sql).all(...where.args, q.limit + 1) as Dict[]
    return pageOf(rows, q.limit, userOf, (r) => ({ at: Number(r.created_at), id: String(r.username) }))
  }

  async setUserDisabled(username: string, disabled: boolean, at: number): Promise<User | undefined> {
    this.#sql
      .get(
        `UPDATE users SET disabled_at = CASE WHEN ? THEN coalesce(disabled_at, ?) END, updated_at = ?
         WHERE username = ?`,
      )
      .run(disabled ? 1 : 0, at, at, username)
    const row = this.#user(username)
    return row ? userOf(row) : undefined
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.#sql.get('DELETE FROM users WHERE username = ?').run(username).changes > 0
  }

  async enabledAdmins(except?: string): Promise<number> {
    const row = this.#sql
      .get(
        "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND username IS NOT ?",
      )
      .get(except ?? null) as { n: number }
    return row.n
  }

  #saveElder(id: string, body: ElderBody, at: number): Saved<Elder> {
    const created = !this.#exists('elders', id)
    this.#sql.get(UPSERT_ELDER).run(id, JSON.stringify(body), gridKey(body.grid), at, at)
    return { created, record: elderOf(this.#one('elders', id)) }
  }

  #saveDevice(id: string, body: Omit<DeviceBody, 'secret'>, secretHash: string, at: number): Saved<Device> {
    const created = !this.#exists('devices', id)
    this.#sql.get(UPSERT_DEVICE).run(id, body.kind, body.elderId, secretHash, body.intervalS, at, at)
    return { created, record: deviceOf(this.#one('devices', id)) }
  }

  #saveCarer(id: string, body: Omit<CarerBody, 'secret'>, secretHash: string, at: number): Saved<Carer> {
    const created = !this.#exists('carers', id)
    this.#sql.get(UPSERT_CARER).run(id, JSON.stringify(body), secretHash, at, at)
    return { created, record: carerOf(this.#one('carers', id)) }
  }

  #exists(table: Table, id: string): boolean {
    return this.#sql.get(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined
  }

  #one(table: Table, id: string): Dict {
    return this.#sql.get(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Dict
  }

  #user(username: string): Dict | undefined {
    return this.#sql.get('SELECT * FROM users WHERE username = ?').get(username) as Dict | undefined
  }

  #all(sql: string): Dict[] {
    return this.#sql.get(sql).all() as Dict[]
  }

  #page<T>(table: Table, idColumn: string, where: Where, limit: number, map: (row: Dict) => T): Page<T> {
    const sql = `SELECT * FROM ${table} ${where} ORDER BY created_at DESC, ${idColumn} DESC LIMIT ?`
    const rows = this.#sql.get(sql).all(...where.args, limit + 1) as Dict[]
    return pageOf(rows, limit, map, (r) => ({ at: Number(r.created_at), id: String(r[idColumn]) }))
  }
}

function stamps(row: Dict): { createdAt: number; updatedAt: number } {
  return { createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }
}

function stationOf(row: Dict): Station {
  return { id: String(row.id), ...(JSON.parse(String(row.doc)) as StationBody), ...stamps(row) }
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
