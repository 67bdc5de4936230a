import type { SQLInputValue } from 'node:sqlite'
import type { OfferRecord, OfferStatus } from '../dispatch/types.ts'
import { decodeCursor, encodeCursor, type Page } from '../registry/registry.ts'
import type { Store } from '../store/db.ts'
import type { Alarm, AlarmKind, AlarmState, Priority, TimelineEntry, TimelineType } from './model.ts'

type Dict = Record<string, SQLInputValue>

export interface AlarmFilter {
  state?: AlarmState[] | undefined
  kind?: AlarmKind[] | undefined
  grid?: string | undefined
  from?: number | undefined
  to?: number | undefined
  elderId?: string | undefined
  carerId?: string | undefined
  /** Closed (resolved or cancelled) alarms without a `rated` entry: the call-back worklist. */
  unrated?: boolean | undefined
  limit: number
  cursor?: string | undefined
}

/** SQL for alarms, their timelines, offers and the (device, message id) ledger. */
export class AlarmStore {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  tx<T>(fn: () => T): T {
    return this.#store.tx(fn)
  }

  /** The alarm a (device, message id) already produced, `null` if it produced none, `undefined` if unseen. */
  seenMessage(deviceId: string, msgId: string): { alarmId: string | null; topic: string } | undefined {
    const row = this.#store.db
      .prepare('SELECT alarm_id, topic FROM device_messages WHERE device_id = ? AND msg_id = ?')
      .get(deviceId, msgId) as Dict | undefined
    if (!row) return undefined
    return { alarmId: typeof row.alarm_id === 'string' ? row.alarm_id : null, topic: String(row.topic) }
  }

  recordMessage(deviceId: string, msgId: string, topic: string, at: number, alarmId: string | null): void {
    this.#store.db
      .prepare('INSERT INTO device_messages (device_id, msg_id, topic, at, alarm_id) VALUES (?, ?, ?, ?, ?)')
      .run(deviceId, msgId, topic, at, alarmId)
  }

  insert(alarm: Alarm, grid: string, msgId?: string): void {
    this.#store.db
      .prepare(
        `INSERT INTO alarms (id, kind, priority, state, escalated, elder_id, device_id, carer_id, grid,
           raised_at, lat, lon, round, seq, msg_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        alarm.id,
        alarm.kind,
        alarm.priority,
        alarm.state,
        alarm.escalated ? 1 : 0,
        alarm.elderId,
        alarm.deviceId ?? null,
        alarm.carerId ?? null,
        grid,
        alarm.raisedAt,
        alarm.lat,
        alarm.lon,
        alarm.round,
        alarm.seq,
        msgId ?? null,
        alarm.updatedAt,
      )
  }

  update(alarm: Alarm): void {
    this.#store.db
      .prepare(
        `UPDATE alarms SET state = ?, escalated = ?, carer_id = ?, accepted_at = ?, arrived_at = ?,
           resolved_at = ?, outcome = ?, arrival_distance_m = ?, arrival_flagged = ?, round = ?, seq = ?,
           priority = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        alarm.state,
        alarm.escalated ? 1 : 0,
        alarm.carerId ?? null,
        alarm.acceptedAt ?? null,
        alarm.arrivedAt ?? null,
        alarm.resolvedAt ?? null,
        alarm.outcome ?? null,
        alarm.arrivalDistanceM ?? null,
        alarm.arrivalFlagged === undefined ? null : alarm.arrivalFlagged ? 1 : 0,
        alarm.round,
        alarm.seq,
        alarm.priority,
        alarm.updatedAt,
        alarm.id,
      )
  }

  /** Append one timeline entry; the caller has already advanced `alarm.seq`. */
  append(alarmId: string, entry: TimelineEntry): void {
    this.#store.db
      .prepare(
        'INSERT INTO alarm_timeline (alarm_id, seq, type, at, actor, carer_id, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        alarmId,
        entry.seq,
        entry.type,
        entry.at,
        entry.actor ?? null,
        entry.carerId ?? null,
        entry.note ?? null,
        entry.data ? JSON.stringify(entry.data) : null,
      )
  }

  get(id: string): Alarm | undefined {
    const row = this.#store.db.prepare('SELECT * FROM alarms WHERE id = ?').get(id) as Dict | undefined
    return row ? alarmOf(row) : undefined
  }

  timeline(id: string): TimelineEntry[] {
    const rows = this.#store.db
      .prepare('SELECT * FROM alarm_timeline WHERE alarm_id = ? ORDER BY seq')
      .all(id) as Dict[]
    return rows.map(entryOf)
  }

  list(f: AlarmFilter): Page<Alarm> {
    const where: string[] = []
    const args: SQLInputValue[] = []
    const inList = (column: string, values: readonly string[] | undefined) => {
      if (!values || values.length === 0) return
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`)
      args.push(...values)
    }
    inList('state', f.state)
    inList('kind', f.kind)
    if (f.grid) {
      where.push('substr(grid, 1, ?) = ?')
      args.push(f.grid.length, f.grid)
    }
    if (f.from !== undefined) {
      where.push('raised_at >= ?')
      args.push(f.from)
    }
    if (f.to !== undefined) {
      where.push('raised_at < ?')
      args.push(f.to)
    }
    if (f.elderId) {
      where.push('elder_id = ?')
      args.push(f.elderId)
    }
    if (f.carerId) {
      where.push('carer_id = ?')
      args.push(f.carerId)
    }
    if (f.unrated) {
      where.push(
        "state IN ('resolved', 'cancelled') AND NOT EXISTS " +
          "(SELECT 1 FROM alarm_timeline t WHERE t.alarm_id = alarms.id AND t.type = 'rated')",
      )
    }
    const cursor = decodeCursor(f.cursor)
    if (cursor) {
      where.push('(raised_at < ? OR (raised_at = ? AND id < ?))')
      args.push(cursor.at, cursor.at, cursor.id)
    }
    const sql = `SELECT * FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY raised_at DESC, id DESC LIMIT ?`
    const rows = this.#store.db.prepare(sql).all(...args, f.limit + 1) as Dict[]
    const items = rows.slice(0, f.limit).map(alarmOf)
    const last = items[items.length - 1]
    return rows.length > f.limit && last ? { items, next: encodeCursor(last.raisedAt, last.id) } : { items }
  }

  /** Alarms not yet resolved or cancelled: rebuilt into timers at start. */
  open(): Alarm[] {
    const rows = this.#store.db
      .prepare(
        "SELECT * FROM alarms WHERE state IN ('open', 'offered', 'accepted', 'arrived') ORDER BY raised_at",
      )
      .all() as Dict[]
    return rows.map(alarmOf)
  }

  /** Carers on an accepted or arrived alarm, with the alarm. */
  busyCarers(): Map<string, string> {
    const rows = this.#store.db
      .prepare(
        "SELECT id, carer_id FROM alarms WHERE state IN ('accepted', 'arrived') AND carer_id IS NOT NULL",
      )
      .all() as Dict[]
    return new Map(rows.map((r) => [String(r.carer_id), String(r.id)]))
  }

  /** Alarms each carer accepted since `since`. */
  acceptedSince(since: number): Map<string, number> {
    const rows = this.#store.db
      .prepare(
        'SELECT carer_id, count(*) AS n FROM alarms WHERE accepted_at >= ? AND carer_id IS NOT NULL GROUP BY carer_id',
      )
      .all(since) as Dict[]
    return new Map(rows.map((r) => [String(r.carer_id), Number(r.n)]))
  }

  insertOffer(alarmId: string, offer: OfferRecord): void {
    this.#store.db
      .prepare(
        `INSERT INTO offers (alarm_id, carer_id, round, offered_at, expires_at, status, distance_m, eta_min)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        alarmId,
        offer.carerId,
        offer.round,
        offer.offeredAt,
        offer.expiresAt,
        offer.status,
        offer.distanceM,
        offer.etaMin,
      )
  }

  setOfferStatus(alarmId: string, carerId: string, status: OfferStatus): void {
    this.#store.db
      .prepare('UPDATE offers SET status = ? WHERE alarm_id = ? AND carer_id = ?')
      .run(status, alarmId, carerId)
  }

  offers(alarmId: string): OfferRecord[] {
    const rows = this.#store.db
      .prepare('SELECT * FROM offers WHERE alarm_id = ? ORDER BY round, offered_at, carer_id')
      .all(alarmId) as Dict[]
    return rows.map((r) => ({
      carerId: String(r.carer_id),
      round: Number(r.round),
      status: r.status as OfferStatus,
      offeredAt: Number(r.offered_at),
      expiresAt: Number(r.expires_at),
      distanceM: Number(r.distance_m),
      etaMin: Number(r.eta_min),
    }))
  }

  /** Pending offers of a carer, oldest first: the carer's open tasks. */
  pendingOffersOf(carerId: string): { alarmId: string; offer: OfferRecord }[] {
    const rows = this.#store.db
      .prepare("SELECT alarm_id FROM offers WHERE carer_id = ? AND status = 'pending' ORDER BY offered_at")
      .all(carerId) as Dict[]
    return rows.flatMap((r) => {
      const alarmId = String(r.alarm_id)
      const offer = this.offers(alarmId).find((o) => o.carerId === carerId)
      return offer ? [{ alarmId, offer }] : []
    })
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined
}

function alarmOf(r: Dict): Alarm {
  const alarm: Alarm = {
    id: String(r.id),
    kind: r.kind as AlarmKind,
    priority: Number(r.priority) as Priority,
    state: r.state as AlarmState,
    escalated: r.escalated === 1,
    elderId: String(r.elder_id),
    raisedAt: Number(r.raised_at),
    lat: Number(r.lat),
    lon: Number(r.lon),
    round: Number(r.round),
    seq: Number(r.seq),
    updatedAt: Number(r.updated_at),
  }
  if (typeof r.device_id === 'string') alarm.deviceId = r.device_id
  if (typeof r.carer_id === 'string') alarm.carerId = r.carer_id
  const acceptedAt = num(r.accepted_at)
  if (acceptedAt !== undefined) alarm.acceptedAt = acceptedAt
  const arrivedAt = num(r.arrived_at)
  if (arrivedAt !== undefined) alarm.arrivedAt = arrivedAt
  const resolvedAt = num(r.resolved_at)
  if (resolvedAt !== undefined) alarm.resolvedAt = resolvedAt
  if (typeof r.outcome === 'string') alarm.outcome = r.outcome as NonNullable<Alarm['outcome']>
  const distance = num(r.arrival_distance_m)
  if (distance !== undefined) alarm.arrivalDistanceM = distance
  if (r.arrival_flagged !== null && r.arrival_flagged !== undefined)
    alarm.arrivalFlagged = r.arrival_flagged === 1
  return alarm
}

function entryOf(r: Dict): TimelineEntry {
  const entry: TimelineEntry = { seq: Number(r.seq), type: r.type as TimelineType, at: Number(r.at) }
  if (typeof r.actor === 'string') entry.actor = r.actor
  if (typeof r.carer_id === 'string') entry.carerId = r.carer_id
  if (typeof r.note === 'string') entry.note = r.note
  if (typeof r.data === 'string') entry.data = JSON.parse(r.data) as Record<string, unknown>
  return entry
}
