import type { BulkRow } from '../../registry/ports.ts'
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

/**
 * The registry's records as both stores keep them (SQLite, PostgreSQL): the upserts they write,
 * the values those take, the rows read back as the contract's shapes, and the rules an import's
 * rows are judged by.
 */

export type Dict = Record<string, unknown>
/** A value either store takes. */
export type Value = string | number | null

/** The tables a registry record lives in; the first column is the key. */
const COLUMNS = {
  elders: ['id', 'doc', 'grid', 'created_at', 'updated_at'],
  devices: ['id', 'kind', 'elder_id', 'secret_hash', 'interval_s', 'created_at', 'updated_at'],
  carers: ['id', 'doc', 'secret_hash', 'created_at', 'updated_at'],
  services: ['id', 'name', 'secret_hash', 'created_at', 'updated_at'],
  stations: ['id', 'doc', 'grid', 'created_at', 'updated_at'],
  users: ['username', 'role', 'pass_hash', 'name', 'grid', 'carer_id', 'created_at', 'updated_at'],
} as const

export type RecordTable = keyof typeof COLUMNS
/** The tables whose key is `id`: the principals, elders and stations. */
export type Table = Exclude<RecordTable, 'users'>

export function keyColumn(table: RecordTable): string {
  return COLUMNS[table][0]
}

/**
 * Inserts `n` records, or replaces them: a replaced record keeps when it was created and every
 * column the write does not name (a device's live state, a carer's duty and position, a user's
 * being disabled).
 */
export function upsert(table: RecordTable, n: number): string {
  const columns: readonly string[] = COLUMNS[table]
  const tuple = `(${columns.map(() => '?').join(', ')})`
  const set = columns
    .slice(1)
    .filter((c) => c !== 'created_at')
    .map((c) => `${c} = excluded.${c}`)
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(n).fill(tuple).join(', ')}
  ON CONFLICT(${keyColumn(table)}) DO UPDATE SET ${set.join(', ')}`
}

export function elderValues(id: string, body: ElderBody, at: number): Value[] {
  return [id, JSON.stringify(body), gridKey(body.grid), at, at]
}

export function deviceValues(
  id: string,
  body: Omit<DeviceBody, 'secret'>,
  secretHash: string,
  at: number,
): Value[] {
  return [id, body.kind, body.elderId, secretHash, body.intervalS, at, at]
}

export function carerValues(
  id: string,
  body: Omit<CarerBody, 'secret'>,
  secretHash: string,
  at: number,
): Value[] {
  return [id, JSON.stringify(body), secretHash, at, at]
}

export function serviceValues(
  id: string,
  body: Omit<ServiceBody, 'secret'>,
  secretHash: string,
  at: number,
): Value[] {
  return [id, body.name ?? '', secretHash, at, at]
}

export function stationValues(id: string, body: StationBody, at: number): Value[] {
  return [id, JSON.stringify(body), gridKey(body.grid), at, at]
}

export function userValues(
  username: string,
  body: Omit<UserBody, 'password'>,
  passHash: string,
  at: number,
): Value[] {
  const grid = body.grid ? JSON.stringify(body.grid) : null
  return [username, body.role, passHash, body.name ?? null, grid, body.carerId ?? null, at, at]
}

/** The table an import's row goes to. */
export const tableOf = { elder: 'elders', device: 'devices', carer: 'carers' } as const satisfies Record<
  BulkRow['type'],
  Table
>

/** An import's row as the upsert of its table. */
export function bulkWrite(row: BulkRow, at: number): { table: Table; values: Value[] } {
  switch (row.type) {
    case 'elder':
      return { table: 'elders', values: elderValues(row.id, row.body, at) }
    case 'device':
      return { table: 'devices', values: deviceValues(row.id, row.body, row.secretHash, at) }
    case 'carer':
      return { table: 'carers', values: carerValues(row.id, row.body, row.secretHash, at) }
  }
}

export type Refusal = 'UNKNOWN_ELDER' | 'ID_TAKEN'
export type Verdict = { refused: Refusal } | { created: boolean }

/**
 * What becomes of each row of an import, in order, as the batch stands (registry ports:
 * `importMany`): `held(table, id)` answers for the store before the batch, the rows stored earlier
 * in the batch count as held. A device needs its elder; a device's or carer's id must not be
 * another kind of principal's (one id space for MQTT).
 */
export function importVerdicts(
  rows: readonly BulkRow[],
  held: (table: Table, id: string) => boolean,
): Verdict[] {
  const stored = new Set<string>()
  const has = (table: Table, id: string) => stored.has(`${table}\u0000${id}`) || held(table, id)
  return rows.map((row): Verdict => {
    const table = tableOf[row.type]
    if (row.type === 'device') {
      if (!has('elders', row.body.elderId)) return { refused: 'UNKNOWN_ELDER' }
      if (has('carers', row.id) || has('services', row.id)) return { refused: 'ID_TAKEN' }
    }
    if (row.type === 'carer' && (has('devices', row.id) || has('services', row.id))) {
      return { refused: 'ID_TAKEN' }
    }
    const created = !has(table, row.id)
    stored.add(`${table}\u0000${row.id}`)
    return { created }
  })
}

function stamps(row: Dict): { createdAt: number; updatedAt: number } {
  return { createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }
}

export function elderOf(row: Dict): Elder {
  return { id: String(row.id), ...(JSON.parse(String(row.doc)) as ElderBody), ...stamps(row) }
}

export function deviceOf(row: Dict): Device {
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

export function carerOf(row: Dict): Carer {
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

export function serviceOf(row: Dict): Service {
  return { id: String(row.id), name: String(row.name), ...stamps(row) }
}

export function stationOf(row: Dict): Station {
  return { id: String(row.id), ...(JSON.parse(String(row.doc)) as StationBody), ...stamps(row) }
}

export function userOf(row: Dict): User {
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

/** The cursor's key of a registry row: when it was created, and its key. */
export function createdKey(table: RecordTable): (row: Dict) => { at: number; id: string } {
  const key = keyColumn(table)
  return (row) => ({ at: Number(row.created_at), id: String(row[key]) })
}
