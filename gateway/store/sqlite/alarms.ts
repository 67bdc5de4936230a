import type { SQLInputValue } from 'node:sqlite'
import type { Alarm, AlarmKind, AlarmState, TimelineEntry } from '../../alarms/model.ts'
import type { OfferRecord } from '../../alarms/offers.ts'
import type {
  AlarmChange,
  AlarmFilter,
  AlarmRepository,
  MessageRecord,
  Page,
  SeenMessage,
} from '../../alarms/ports.ts'
import type { Store } from '../db.ts'
import {
  alarmListQuery,
  alarmOf,
  alarmPage,
  entryOf,
  OPEN_STATES_SQL as OPEN,
  offerOf,
  seenOf,
} from '../rows/alarms.ts'
import { Statements } from './statements.ts'

type Dict = Record<string, SQLInputValue>

/** The alarm wing's repository on SQLite: alarms, timelines, offers and the device message ledger. */
export class SqliteAlarms implements AlarmRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async commit(change: AlarmChange): Promise<void> {
    this.#store.tx(() => {
      const a = change.alarm
      // a new alarm's row, then its state as the change leaves it (a first round, or a seeded history)
      if (a?.created) this.#insert(a.value, a.created.grid, a.created.msgId)
      if (a) this.#update(a.value)
      const alarmId = a?.value.id
      if (alarmId !== undefined) {
        for (const entry of change.entries) this.#append(alarmId, entry)
        for (const offer of change.offers.insert) this.#insertOffer(alarmId, offer)
        for (const { carerId, status } of change.offers.status) {
          this.#sql
            .get('UPDATE offers SET status = ? WHERE alarm_id = ? AND carer_id = ?')
            .run(status, alarmId, carerId)
        }
      }
      if (change.message) this.#remember(change.message)
    })
  }

  async get(id: string): Promise<Alarm | undefined> {
    const row = this.#sql.get('SELECT * FROM alarms WHERE id = ?').get(id) as Dict | undefined
    return row ? alarmOf(row) : undefined
  }

  async offers(alarmId: string): Promise<OfferRecord[]> {
    return this.#offers(alarmId)
  }

  async timeline(alarmId: string): Promise<TimelineEntry[]> {
    const rows = this.#sql
      .get('SELECT * FROM alarm_timeline WHERE alarm_id = ? ORDER BY seq')
      .all(alarmId) as Dict[]
    return rows.map(entryOf)
  }

  async list(f: AlarmFilter): Promise<Page<Alarm>> {
    const { sql, args } = alarmListQuery(f)
    return alarmPage(this.#store.db.prepare(sql).all(...args) as Dict[], f.limit)
  }

  async open(): Promise<Alarm[]> {
    const rows = this.#sql
      .get(`SELECT * FROM alarms WHERE state IN ${OPEN} ORDER BY raised_at`)
      .all() as Dict[]
    return rows.map(alarmOf)
  }

  async openOf(elderId: string, kind: AlarmKind): Promise<Alarm | undefined> {
    const row = this.#sql
      .get(
        `SELECT * FROM alarms WHERE elder_id = ? AND kind = ? AND state IN ${OPEN} ORDER BY raised_at DESC LIMIT 1`,
      )
      .get(elderId, kind) as Dict | undefined
    return row ? alarmOf(row) : undefined
  }

  async seenMessage(deviceId: string, msgId: string): Promise<SeenMessage | undefined> {
    const row = this.#sql
      .get('SELECT alarm_id, topic FROM device_messages WHERE device_id = ? AND msg_id = ?')
      .get(deviceId, msgId) as Dict | undefined
    return row ? seenOf(row) : undefined
  }

  async pendingOffersOf(carerId: string): Promise<{ alarmId: string; offer: OfferRecord }[]> {
    const rows = this.#sql
      .get("SELECT * FROM offers WHERE carer_id = ? AND status = 'pending' ORDER BY offered_at")
      .all(carerId) as Dict[]
    return rows.map((r) => ({ alarmId: String(r.alarm_id), offer: offerOf(r) }))
  }

  async busyCarers(): Promise<Map<string, string>> {
    const rows = this.#sql
      .get("SELECT id, carer_id FROM alarms WHERE state IN ('accepted', 'arrived') AND carer_id IS NOT NULL")
      .all() as Dict[]
    return new Map(rows.map((r) => [String(r.carer_id), String(r.id)]))
  }

  async acceptedSince(since: number): Promise<Map<string, number>> {
    const rows = this.#sql
      .get(
        'SELECT carer_id, count(*) AS n FROM alarms WHERE accepted_at >= ? AND carer_id IS NOT NULL GROUP BY carer_id',
      )
      .all(since) as Dict[]
    return new Map(rows.map((r) => [String(r.carer_id), Number(r.n)]))
  }

  async openByState(): Promise<Partial<Record<AlarmState, number>>> {
    const rows = this.#sql
      .get(`SELECT state, count(*) AS n FROM alarms WHERE state IN ${OPEN} GROUP BY state`)
      .all() as Dict[]
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]))
  }

  async entriesSince(since: number): Promise<{ alarm: Alarm; entry: TimelineEntry }[]> {
    const rows = this.#sql
      .get('SELECT alarm_id, seq FROM alarm_timeline WHERE at >= ? ORDER BY at, alarm_id, seq')
      .all(since) as Dict[]
    const seen = new Map<string, { alarm: Alarm | undefined; timeline: TimelineEntry[] }>()
    const out: { alarm: Alarm; entry: TimelineEntry }[] = []
    for (const row of rows) {
      const id = String(row.alarm_id)
      let known = seen.get(id)
      if (!known) {
        known = { alarm: await this.get(id), timeline: await this.timeline(id) }
        seen.set(id, known)
      }
      const entry = known.timeline.find((e) => e.seq === Number(row.seq))
      if (known.alarm && entry) out.push({ alarm: known.alarm, entry })
    }
    return out
  }

  #insert(alarm: Alarm, grid: string, msgId?: string): void {
    this.#sql
      .get(
        `INSERT INTO alarms (id, kind, priority, state, escalated, elder_id, device_id, carer_id, grid,
           raised_at, lat, lon, round, seq, msg_id, updated_at, accepted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        alarm.acceptedAt ?? null,
      )
  }

  #update(alarm: Alarm): void {
    this.#sql
      .get(
        `UPDATE alarms SET state = ?, escalated = ?, carer_id = ?, accepted_at = ?, arrived_at = ?,
           resolved_at = ?, outcome = ?, arrival_distance_m = ?, arrival_flagged = ?, round = ?, seq = ?,
           priority = ?, updated_at = ?, overdue_at = ?
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
        alarm.overdueAt ?? null,
        alarm.id,
      )
  }

  #append(alarmId: string, entry: TimelineEntry): void {
    this.#sql
      .get(
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

  #insertOffer(alarmId: string, offer: OfferRecord): void {
    this.#sql
      .get(
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

  #remember(m: MessageRecord): void {
    this.#sql
      .get('INSERT INTO device_messages (device_id, msg_id, topic, at, alarm_id) VALUES (?, ?, ?, ?, ?)')
      .run(m.deviceId, m.msgId, m.topic, m.at, m.alarmId)
  }

  #offers(alarmId: string): OfferRecord[] {
    const rows = this.#sql
      .get('SELECT * FROM offers WHERE alarm_id = ? ORDER BY round, offered_at, carer_id')
      .all(alarmId) as Dict[]
    return rows.map(offerOf)
  }
}
