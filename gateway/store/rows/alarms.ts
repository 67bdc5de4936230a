import type {
  Alarm,
  AlarmKind,
  AlarmState,
  Priority,
  TimelineEntry,
  TimelineType,
} from '../../alarms/model.ts'
import type { OfferRecord, OfferStatus } from '../../alarms/offers.ts'
import type { AlarmFilter, Page, SeenMessage } from '../../alarms/ports.ts'
import { pageOf, Where, type WhereArg } from '../paging.ts'

/**
 * The alarm wing's rows as the domain reads them, for both stores: their columns are alike
 * (times in milliseconds, flags 0/1, entry data as JSON text).
 */

type Row = Record<string, unknown>

/** The alarm states that are not closed, as an SQL list. */
export const OPEN_STATES_SQL = "('open', 'offered', 'accepted', 'arrived')"

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined
}

export function alarmOf(r: Row): Alarm {
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
  const overdueAt = num(r.overdue_at)
  if (overdueAt !== undefined) alarm.overdueAt = overdueAt
  return alarm
}

export function entryOf(r: Row): TimelineEntry {
  const entry: TimelineEntry = { seq: Number(r.seq), type: r.type as TimelineType, at: Number(r.at) }
  if (typeof r.actor === 'string') entry.actor = r.actor
  if (typeof r.carer_id === 'string') entry.carerId = r.carer_id
  if (typeof r.note === 'string') entry.note = r.note
  if (typeof r.data === 'string') entry.data = JSON.parse(r.data) as Record<string, unknown>
  return entry
}

export function offerOf(r: Row): OfferRecord {
  return {
    carerId: String(r.carer_id),
    round: Number(r.round),
    status: r.status as OfferStatus,
    offeredAt: Number(r.offered_at),
    expiresAt: Number(r.expires_at),
    distanceM: Number(r.distance_m),
    etaMin: Number(r.eta_min),
  }
}

/** A device_messages row (alarm_id, topic). */
export function seenOf(r: Row): SeenMessage {
  return { alarmId: typeof r.alarm_id === 'string' ? r.alarm_id : null, topic: String(r.topic) }
}

/** The alarms a filter asks for, newest first, one more than the page (both stores' statement). */
export function alarmListQuery(f: AlarmFilter): { sql: string; args: WhereArg[] } {
  const where = new Where()
  const inList = (column: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0)
      where.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values)
  }
  inList('state', f.state)
  inList('kind', f.kind)
  if (f.grid) where.add('substr(grid, 1, ?) = ?', f.grid.length, f.grid)
  if (f.from !== undefined) where.add('raised_at >= ?', f.from)
  if (f.to !== undefined) where.add('raised_at < ?', f.to)
  if (f.elderId) where.add('elder_id = ?', f.elderId)
  if (f.carerId) where.add('carer_id = ?', f.carerId)
  if (f.unrated) {
    where.add(
      "state IN ('resolved', 'cancelled') AND NOT EXISTS " +
        "(SELECT 1 FROM alarm_timeline t WHERE t.alarm_id = alarms.id AND t.type = 'rated')",
    )
  }
  where.after(f.cursor, 'raised_at', 'id')
  return {
    sql: `SELECT * FROM alarms ${where} ORDER BY raised_at DESC, id DESC LIMIT ?`,
    args: [...where.args, f.limit + 1],
  }
}

/** Those rows as the page: the extra one only says there is a next page. */
export function alarmPage(rows: readonly Row[], limit: number): Page<Alarm> {
  return pageOf(rows, limit, alarmOf, (r) => ({ at: Number(r.raised_at), id: String(r.id) }))
}
