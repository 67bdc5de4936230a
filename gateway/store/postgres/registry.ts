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
  keyColumn,
  type RecordTable,
  serviceOf,
  serviceValues,
  stationOf,
  stationValues,
  upsert,
  userOf,
  userValues,
  type Value,
} from '../rows/registry.ts'
import type { PgStore, Queryable } from './db.ts'
import { IDS, importRows } from './registry-import.ts'

/**
 * Registry writes take this lock, one at a time across the cluster as under SQLite's one writer:
 * a save's `created` and an import's refusals are judged on everything committed before it.
 */
const REGISTRY_LOCK = 0x72656769 // 'regi'

/** The registry's tables in PostgreSQL (cluster mode). Each write is one transaction and answers the row as stored. */
export class PgRegistry implements RegistryRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async load(): Promise<RegistrySnapshot> {
    return this.#store.tx(async (q) => {
      // one snapshot: no device without its elder, whatever another node writes meanwhile
      await q.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      return {
        elders: (await q.rows<Dict>('SELECT * FROM elders')).map(elderOf),
        devices: (await q.rows<Dict>('SELECT * FROM devices')).map(deviceOf),
        carers: (await q.rows<Dict>('SELECT * FROM carers')).map(carerOf),
      }
    })
  }

  async saveElder(id: string, body: ElderBody, at: number): Promise<Saved<Elder>> {
    return this.#save('elders', id, elderValues(id, body, at), elderOf)
  }

  async listElders(q: ElderQuery): Promise<Page<Elder>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    const prefix = gridKey(q.grid)
    if (prefix) where.add('substr(grid, 1, ?) = ?', prefix.length, prefix)
    if (q.risk && q.risk.length > 0) {
      where.add(`(doc::jsonb ->> 'risk') IN (${q.risk.map(() => '?').join(', ')})`, ...q.risk)
    }
    if (q.text) {
      // strpos, not LIKE: a % or _ typed is a character to find, not a wildcard. lower() under
      // "C" folds ASCII letters only, as SQLite's does, so both stores find the same elders.
      const word = q.text.toLowerCase()
      where.add(
        `(strpos(lower(id COLLATE "C"), ?) > 0
          OR strpos(lower((doc::jsonb ->> 'name') COLLATE "C"), ?) > 0
          OR strpos(coalesce(doc::jsonb ->> 'phone', ''), ?) > 0
          OR strpos(lower(coalesce(doc::jsonb ->> 'address', '') COLLATE "C"), ?) > 0)`,
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
    return this.#save('devices', id, deviceValues(id, body, secretHash, at), deviceOf)
  }

  async findDevice(id: string): Promise<Device | undefined> {
    const row = await this.#store.one<Dict>('SELECT * FROM devices WHERE id = ?', [id])
    return row ? deviceOf(row) : undefined
  }

  async listDevices(q: DeviceQuery): Promise<Page<Device>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    // one parameter however many elders are in scope; none in scope is no device, as SQLite's `IN ()`
    if (q.elderIds) where.add(`elder_id IN ${IDS}`, JSON.stringify(q.elderIds))
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
    return this.#save('carers', id, carerValues(id, body, secretHash, at), carerOf)
  }

  async listCarers(q: ListQuery): Promise<Page<Carer>> {
    return this.#page('carers', new Where().after(q.cursor, 'created_at', 'id'), q.limit, carerOf)
  }

  async saveService(
    id: string,
    body: Omit<ServiceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Service>> {
    return this.#save('services', id, serviceValues(id, body, secretHash, at), serviceOf)
  }

  async listServices(q: ListQuery): Promise<Page<Service>> {
    return this.#page('services', new Where().after(q.cursor, 'created_at', 'id'), q.limit, serviceOf)
  }

  async saveStation(id: string, body: StationBody, at: number): Promise<Saved<Station>> {
    return this.#save('stations', id, stationValues(id, body, at), stationOf)
  }

  async findStation(id: string): Promise<Station | undefined> {
    const row = await this.#store.one<Dict>('SELECT * FROM stations WHERE id = ?', [id])
    return row ? stationOf(row) : undefined
  }

  async listStations(q: ListQuery): Promise<Page<Station>> {
    const where = new Where().after(q.cursor, 'created_at', 'id')
    const prefix = gridKey(q.grid)
    if (prefix) where.add('substr(grid, 1, ?) = ?', prefix.length, prefix)
    return this.#page('stations', where, q.limit, stationOf)
  }

  /** One round trip (every MQTT connect asks); a device answers before a carer, a carer before a service. */
  async credential(id: string): Promise<Credential | undefined> {
    const row = await this.#store.one<{ kind: Credential['kind']; secret_hash: string }>(
      `SELECT kind, secret_hash FROM (
          SELECT 1 AS rank, 'device' AS kind, secret_hash FROM devices WHERE id = ?
          UNION ALL SELECT 2, 'carer', secret_hash FROM carers WHERE id = ?
          UNION ALL SELECT 3, 'service', secret_hash FROM services WHERE id = ?
        ) AS principals ORDER BY rank LIMIT 1`,
      [id, id, id],
    )
    return row ? { kind: row.kind, secretHash: row.secret_hash } : undefined
  }

  async importMany(rows: readonly BulkRow[], at: number): Promise<BulkResult[]> {
    if (rows.length === 0) return []
    return this.#store.tx(async (q) => {
      await lock(q)
      return importRows(q, rows, at)
    })
  }

  async saveUser(
    username: string,
    body: Omit<UserBody, 'password'>,
    passHash: string,
    at: number,
  ): Promise<Saved<User>> {
    return this.#save('users', username, userValues(username, body, passHash, at), userOf)
  }

  async findUser(username: string): Promise<UserCredential | undefined> {
    const row = await this.#store.one<Dict>('SELECT * FROM users WHERE username = ?', [username])
    return row ? { user: userOf(row), passHash: String(row.pass_hash) } : undefined
  }

  async listUsers(q: ListQuery): Promise<Page<User>> {
    return this.#page('users', new Where().after(q.cursor, 'created_at', 'username'), q.limit, userOf)
  }

  async setUserDisabled(username: string, disabled: boolean, at: number): Promise<User | undefined> {
    const row = await this.#store.one<Dict>(
      `UPDATE users SET disabled_at = CASE WHEN ? THEN coalesce(disabled_at, ?) END, updated_at = ?
       WHERE username = ? RETURNING *`,
      [disabled, at, at, username],
    )
    return row ? userOf(row) : undefined
  }

  async deleteUser(username: string): Promise<boolean> {
    return (await this.#store.run('DELETE FROM users WHERE username = ?', [username])) > 0
  }

  async enabledAdmins(except?: string): Promise<number> {
    const row = await this.#store.one<{ n: number }>(
      `SELECT count(*) AS n FROM users
       WHERE role = 'admin' AND disabled_at IS NULL AND username IS DISTINCT FROM ?`,
      [except ?? null],
    )
    return row?.n ?? 0
  }

  async #save<T>(table: RecordTable, key: string, values: Value[], map: (row: Dict) => T): Promise<Saved<T>> {
    return this.#store.tx(async (q) => {
      await lock(q)
      const before = await q.one(`SELECT 1 FROM ${table} WHERE ${keyColumn(table)} = ?`, [key])
      const row = await q.one<Dict>(`${upsert(table, 1)} RETURNING *`, values)
      return { created: before === undefined, record: map(row as Dict) }
    })
  }

  async #page<T>(table: RecordTable, where: Where, limit: number, map: (row: Dict) => T): Promise<Page<T>> {
    const key = keyColumn(table)
    const sql = `SELECT * FROM ${table} ${where} ORDER BY created_at DESC, ${key} DESC LIMIT ?`
    const rows = await this.#store.rows<Dict>(sql, [...where.args, limit + 1])
    return pageOf(rows, limit, map, createdKey(table))
  }
}

async function lock(q: Queryable): Promise<void> {
  await q.one('SELECT pg_advisory_xact_lock(?)', [REGISTRY_LOCK])
}
