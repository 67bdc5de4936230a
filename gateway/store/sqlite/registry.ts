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
import { pageOf, Where } from '../paging.ts'
import {
  carerOf,
  carerValues,
  createdKey,
  type Dict,
  deviceOf,
  deviceValues,
  elderOf,
  elderValues,
  importVerdicts,
  keyColumn,
  type RecordTable,
  serviceOf,
  serviceValues,
  stationOf,
  stationValues,
  type Table,
  upsert,
  userOf,
  userValues,
  type Value,
} from '../rows/registry.ts'
import { Statements } from './statements.ts'

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
    return this.#store.tx(() => this.#save('elders', id, elderValues(id, body, at), elderOf))
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
    return this.#page('elders', where, q.limit, elderOf)
  }

  async saveDevice(
    id: string,
    body: Omit<DeviceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Device>> {
    return this.#store.tx(() => this.#save('devices', id, deviceValues(id, body, secretHash, at), deviceOf))
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
    return this.#page('devices', where, q.limit, deviceOf)
  }

  async saveCarer(
    id: string,
    body: Omit<CarerBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Carer>> {
    return this.#store.tx(() => this.#save('carers', id, carerValues(id, body, secretHash, at), carerOf))
  }

  async listCarers(q: ListQuery): Promise<Page<Carer>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    return this.#page('carers', where, q.limit, carerOf)
  }

  async saveService(
    id: string,
    body: Omit<ServiceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Service>> {
    return this.#store.tx(() =>
      this.#save('services', id, serviceValues(id, body, secretHash, at), serviceOf),
    )
  }

  async listServices(q: ListQuery): Promise<Page<Service>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    return this.#page('services', where, q.limit, serviceOf)
  }

  async saveStation(id: string, body: StationBody, at: number): Promise<Saved<Station>> {
    return this.#store.tx(() => this.#save('stations', id, stationValues(id, body, at), stationOf))
  }

  async findStation(id: string): Promise<Station | undefined> {
    const row = this.#sql.get('SELECT * FROM stations WHERE id = ?').get(id) as Dict | undefined
    return row ? stationOf(row) : undefined
  }

  async listStations(q: ListQuery): Promise<Page<Station>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    const prefix = gridKey(q.grid)
    if (prefix) where.add('substr(grid, 1, ?) = ?', prefix.length, prefix)
    return this.#page('stations', where, q.limit, stationOf)
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
    return this.#store.tx(() => {
      const verdicts = importVerdicts(rows, (table, id) => this.#exists(table, id))
      return rows.map((row, i): BulkResult => {
        const verdict = verdicts[i]
        if (verdict && 'refused' in verdict) return verdict
        if (row.type === 'elder')
          return { stored: this.#save('elders', row.id, elderValues(row.id, row.body, at), elderOf) }
        if (row.type === 'device') {
          const values = deviceValues(row.id, row.body, row.secretHash, at)
          return { stored: this.#save('devices', row.id, values, deviceOf) }
        }
        const values = carerValues(row.id, row.body, row.secretHash, at)
        return { stored: this.#save('carers', row.id, values, carerOf) }
      })
    })
  }

  async saveUser(
    username: string,
    body: Omit<UserBody, 'password'>,
    passHash: string,
    at: number,
  ): Promise<Saved<User>> {
    return this.#store.tx(() =>
      this.#save('users', username, userValues(username, body, passHash, at), userOf),
    )
  }

  async findUser(username: string): Promise<UserCredential | undefined> {
    const row = this.#one('users', username)
    return row ? { user: userOf(row), passHash: String(row.pass_hash) } : undefined
  }

  async listUsers(q: ListQuery): Promise<Page<User>> {
    const where = new Where().after(q.cursor, 'created_at', 'username')
    return this.#page('users', where, q.limit, userOf)
  }

  async setUserDisabled(username: string, disabled: boolean, at: number): Promise<User | undefined> {
    this.#sql
      .get(
        `UPDATE users SET disabled_at = CASE WHEN ? THEN coalesce(disabled_at, ?) END, updated_at = ?
         WHERE username = ?`,
      )
      .run(disabled ? 1 : 0, at, at, username)
    const row = this.#one('users', username)
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

  /** Inserts or replaces one record; inside the caller's transaction. */
  #save<T>(table: RecordTable, key: string, values: Value[], map: (row: Dict) => T): Saved<T> {
    const created = this.#one(table, key) === undefined
    this.#sql.get(upsert(table, 1)).run(...values)
    return { created, record: map(this.#one(table, key) as Dict) }
  }

  #exists(table: Table, id: string): boolean {
    return this.#sql.get(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined
  }

  #one(table: RecordTable, key: string): Dict | undefined {
    return this.#sql.get(`SELECT * FROM ${table} WHERE ${keyColumn(table)} = ?`).get(key) as Dict | undefined
  }

  #all(sql: string): Dict[] {
    return this.#sql.get(sql).all() as Dict[]
  }

  #page<T>(table: RecordTable, where: Where, limit: number, map: (row: Dict) => T): Page<T> {
    const key = keyColumn(table)
    const sql = `SELECT * FROM ${table} ${where} ORDER BY created_at DESC, ${key} DESC LIMIT ?`
    const rows = this.#sql.get(sql).all(...where.args, limit + 1) as Dict[]
    return pageOf(rows, limit, map, createdKey(table))
  }
}
