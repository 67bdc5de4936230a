import type { Alarm, AlarmKind, AlarmState, TimelineEntry } from '../../alarms/model.ts'
import type { OfferRecord } from '../../alarms/offers.ts'
import {
  type AlarmChange,
  type AlarmFilter,
  type AlarmRepository,
  ConcurrentChangeError,
  type MessageRecord,
  type Page,
  type SeenMessage,
  StaleAlarmError,
} from '../../alarms/ports.ts'
import {
  alarmListQuery,
  alarmOf,
  alarmPage,
  entryOf,
  OPEN_STATES_SQL as OPEN,
  offerOf,
  seenOf,
} from '../rows/alarms.ts'
import type { PgStore, Queryable } from './db.ts'

type Row = Record<string, unknown>

/**
 * The alarm wing's repository on PostgreSQL (cluster mode): alarms, timelines, offers and the
 * device message ledger. Several gateways may decide on one alarm; a change is stored only onto
 * the alarm it was decided from (its `seq`), else it is refused whole with StaleAlarmError. A
 * device message another gateway already acted on fails the change too (the ledger's key).
 */
export class PgAlarms implements AlarmRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async commit(change: AlarmChange): Promise<void> {
    await this.#store
      .tx(async (q) => {
        await write(q, change)
      })
      .catch((error: unknown) => {
        // another node took the device message or opened the elder's alarm of this kind first
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ConcurrentChangeError(`stored first by another node: ${(error as Error).message}`)
        }
        throw error
      })
  }

  async get(id: string): Promise<Alarm | undefined> {
    const row = await this.#store.one<Row>('SELECT * FROM alarms WHERE id = ?', [id])
    return row ? alarmOf(row) : undefined
  }

  async offers(alarmId: string): Promise<OfferRecord[]> {
    const rows = await this.#store.rows<Row>(
      'SELECT * FROM offers WHERE alarm_id = ? ORDER BY round, offered_at, carer_id',
      [alarmId],
    )
    return rows.map(offerOf)
  }

  async timeline(alarmId: string): Promise<TimelineEntry[]> {
    const rows = await this.#store.rows<Row>('SELECT * FROM alarm_timeline WHERE alarm_id = ? ORDER BY seq', [
      alarmId,
    ])
    return rows.map(entryOf)
  }

  async list(f: AlarmFilter): Promise<Page<Alarm>> {
    const { sql, args } = alarmListQuery(f)
    return alarmPage(await this.#store.rows<Row>(sql, args), f.limit)
  }

  async open(): Promise<Alarm[]> {
    const rows = await this.#store.rows<Row>(`SELECT * FROM alarms WHERE state IN ${OPEN} ORDER BY raised_at`)
    return rows.map(alarmOf)
  }

  async openOf(elderId: string, kind: AlarmKind): Promise<Alarm | undefined> {
    const row = await this.#store.one<Row>(
      `SELECT * FROM alarms WHERE elder_id = ? AND kind = ? AND state IN ${OPEN} ORDER BY raised_at DESC LIMIT 1`,
      [elderId, kind],
    )
    return row ? alarmOf(row) : undefined
  }

  async seenMessage(deviceId: string, msgId: string): Promise<SeenMessage | undefined> {
    const row = await this.#store.one<Row>(
      'SELECT alarm_id, topic FROM device_messages WHERE device_id = ? AND msg_id = ?',
      [deviceId, msgId],
    )
    return row ? seenOf(row) : undefined
  }

  async pendingOffersOf(carerId: string): Promise<{ alarmId: string; offer: OfferRecord }[]> {
    const rows = await this.#store.rows<Row>(
      "SELECT * FROM offers WHERE carer_id = ? AND status = 'pending' ORDER BY offered_at",
      [carerId],
    )
    return rows.map((r) => ({ alarmId: String(r.alarm_id), offer: offerOf(r) }))
  }

  async busyCarers(): Promise<Map<string, string>> {
    const rows = await this.#store.rows<Row>(
      "SELECT id, carer_id FROM alarms WHERE state IN ('accepted', 'arrived') AND carer_id IS NOT NULL",
    )
    return new Map(rows.map((r) => [String(r.carer_id), String(r.id)]))
  }

  async acceptedSince(since: number): Promise<Map<string, number>> {
    const rows = await this.#store.rows<Row>(
      'SELECT carer_id, count(*) AS n FROM alarms WHERE accepted_at >= ? AND carer_id IS NOT NULL GROUP BY carer_id',
      [since],
    )
    return new Map(rows.map((r) => [String(r.carer_id), Number(r.n)]))
  }

  async openByState(): Promise<Partial<Record<AlarmState, number>>> {
    const rows = await this.#store.rows<Row>(
      `SELECT state, count(*) AS n FROM alarms WHERE state IN ${OPEN} GROUP BY state`,
    )
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]))
  }

  /** Two reads, not one per alarm: the entries, then the alarms they belong to. */
  async entriesSince(since: number): Promise<{ alarm: Alarm; entry: TimelineEntry }[]> {
    const entries = await this.#store.rows<Row>(
      'SELECT * FROM alarm_timeline WHERE at >= ? ORDER BY at, alarm_id, seq',
      [since],
    )
    if (entries.length === 0) return []
    const alarms = await this.#store.rows<Row>(
      'SELECT * FROM alarms WHERE id IN (SELECT alarm_id FROM alarm_timeline WHERE at >= ?)',
      [since],
    )
    const byId = new Map(alarms.map((r) => [String(r.id), alarmOf(r)]))
    const out: { alarm: Alarm; entry: TimelineEntry }[] = []
    for (const row of entries) {
      const alarm = byId.get(String(row.alarm_id))
      if (alarm) out.push({ alarm, entry: entryOf(row) })
    }
    return out
  }
}

/**
 * The seq the stored alarm must still have for the change to apply: the one before its first new
 * entry, or (a change without entries) the seq it carries unchanged.
 */
function storedSeq(alarm: Alarm, entries: readonly TimelineEntry[]): number {
  const first = entries[0]
  return first === undefined ? alarm.seq : first.seq - 1
}

async function insert(q: Queryable, alarm: Alarm, grid: string, msgId: string | undefined): Promise<void> {
  await q.run(
    `INSERT INTO alarms (id, kind, priority, state, escalated, elder_id, device_id, carer_id, grid,
       raised_at, accepted_at, arrived_at, resolved_at, outcome, arrival_distance_m, arrival_flagged,
       lat, lon, round, seq, msg_id, updated_at, overdue_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
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
      alarm.acceptedAt ?? null,
      alarm.arrivedAt ?? null,
      alarm.resolvedAt ?? null,
      alarm.outcome ?? null,
      alarm.arrivalDistanceM ?? null,
      flag(alarm.arrivalFlagged),
      alarm.lat,
      alarm.lon,
      alarm.round,
      alarm.seq,
      msgId ?? null,
      alarm.updatedAt,
      alarm.overdueAt ?? null,
    ],
  )
}

/** The alarm's new state, onto the row only while it is still at `expectedSeq`. */
async function update(q: Queryable, alarm: Alarm, expectedSeq: number): Promise<void> {
  const updated = await q.run(
    `UPDATE alarms SET state = ?, escalated = ?, carer_id = ?, accepted_at = ?, arrived_at = ?,
       resolved_at = ?, outcome = ?, arrival_distance_m = ?, arrival_flagged = ?, round = ?, seq = ?,
       priority = ?, updated_at = ?, overdue_at = ?
     WHERE id = ? AND seq = ?`,
    [
      alarm.state,
      alarm.escalated ? 1 : 0,
      alarm.carerId ?? null,
      alarm.acceptedAt ?? null,
      alarm.arrivedAt ?? null,
      alarm.resolvedAt ?? null,
      alarm.outcome ?? null,
      alarm.arrivalDistanceM ?? null,
      flag(alarm.arrivalFlagged),
      alarm.round,
      alarm.seq,
      alarm.priority,
      alarm.updatedAt,
      alarm.overdueAt ?? null,
      alarm.id,
      expectedSeq,
    ],
  )
  if (updated === 0) throw new StaleAlarmError(alarm.id, expectedSeq)
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0
}

/** The change's timeline entries, in one statement. */
async function append(q: Queryable, alarmId: string, entries: readonly TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return
  const rows = entries.map((e) => ({
    seq: e.seq,
    type: e.type,
    at: e.at,
    actor: e.actor ?? null,
    carer_id: e.carerId ?? null,
    note: e.note ?? null,
    data: e.data ? JSON.stringify(e.data) : null,
  }))
  await q.run(
    `INSERT INTO alarm_timeline (alarm_id, seq, type, at, actor, carer_id, note, data)
     SELECT ?::text, e.seq, e.type, e.at, e.actor, e.carer_id, e.note, e.data
     FROM json_to_recordset(?::json)
       AS e(seq integer, type text, at bigint, actor text, carer_id text, note text, data text)`,
    [alarmId, JSON.stringify(rows)],
  )
}

async function insertOffers(q: Queryable, alarmId: string, offers: readonly OfferRecord[]): Promise<void> {
  if (offers.length === 0) return
  const rows = offers.map((o) => ({
    carer_id: o.carerId,
    round: o.round,
    offered_at: o.offeredAt,
    expires_at: o.expiresAt,
    status: o.status,
    distance_m: o.distanceM,
    eta_min: o.etaMin,
  }))
  await q.run(
    `INSERT INTO offers (alarm_id, carer_id, round, offered_at, expires_at, status, distance_m, eta_min)
     SELECT ?::text, o.carer_id, o.round, o.offered_at, o.expires_at, o.status, o.distance_m, o.eta_min
     FROM json_to_recordset(?::json) AS o(carer_id text, round integer, offered_at bigint,
       expires_at bigint, status text, distance_m double precision, eta_min double precision)`,
    [alarmId, JSON.stringify(rows)],
  )
}

/** Offers' new statuses, in one statement; a carer named twice takes the later status, as in turn. */
async function setOfferStatus(
  q: Queryable,
  alarmId: string,
  status: AlarmChange['offers']['status'],
): Promise<void> {
  if (status.length === 0) return
  const last = new Map(status.map((s) => [s.carerId, s.status]))
  const rows = [...last].map(([carerId, s]) => ({ carer_id: carerId, status: s }))
  await q.run(
    `UPDATE offers SET status = s.status
     FROM json_to_recordset(?::json) AS s(carer_id text, status text)
     WHERE offers.alarm_id = ? AND offers.carer_id = s.carer_id`,
    [JSON.stringify(rows), alarmId],
  )
}

/** A plain insert: a message another gateway already acted on fails the change (the ledger's key). */
async function remember(q: Queryable, m: MessageRecord): Promise<void> {
  await q.run('INSERT INTO device_messages (device_id, msg_id, topic, at, alarm_id) VALUES (?, ?, ?, ?, ?)', [
    m.deviceId,
    m.msgId,
    m.topic,
    m.at,
    m.alarmId,
  ])
}

const UNIQUE_VIOLATION = '23505'

/** The whole change, inside the caller's transaction. */
async function write(q: Queryable, change: AlarmChange): Promise<void> {
  const a = change.alarm
  if (a?.created) await insert(q, a.value, a.created.grid, a.created.msgId)
  else if (a) await update(q, a.value, storedSeq(a.value, change.entries))
  const alarmId = a?.value.id
  if (alarmId !== undefined) {
    await append(q, alarmId, change.entries)
    await insertOffers(q, alarmId, change.offers.insert)
    await setOfferStatus(q, alarmId, change.offers.status)
  }
  if (change.message) await remember(q, change.message)
}
