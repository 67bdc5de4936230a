import type { Alarm, TimelineEntry } from '../alarms/model.ts'
import type { PositionRow, VitalsRow } from '../telemetry/ports.ts'
import type { Point } from './line.ts'

/**
 * The history schema (docs/history.md). Tags are low-cardinality only:
 * device, elder, the street/community/grid levels, kind, priority, event,
 * carer, outcome. Alarm ids and free text are fields, never tags.
 */

/** What each outbox row holds; the first three may be dropped past the outbox limit, the last two never. */
export type PointClass = 'position' | 'vitals' | 'status' | 'alarm' | 'response'
export const droppableClasses: readonly PointClass[] = ['position', 'vitals', 'status']

export interface Subject {
  deviceId?: string | undefined
  elderId?: string | undefined
  grid: readonly string[]
}

/** Contract: arrival within 15 minutes of `raised` counts as on time. */
export const ON_TIME_MS = 15 * 60_000
/** A device clock further than this from the receive time is not believed (device `ts` where valid). */
const TRUSTED_SKEW_MS = 24 * 3_600_000
const FUTURE_SKEW_MS = 5 * 60_000

/** The device's `ts` when it is plausible, else the gateway's receive time. */
export function pointTime(deviceTs: number | undefined, receivedAt: number): number {
  if (deviceTs === undefined || !Number.isFinite(deviceTs)) return receivedAt
  if (deviceTs > receivedAt + FUTURE_SKEW_MS || deviceTs < receivedAt - TRUSTED_SKEW_MS) return receivedAt
  return Math.trunc(deviceTs)
}

function place(s: Subject): Record<string, string | undefined> {
  return {
    device: s.deviceId,
    elder: s.elderId,
    street: s.grid[0],
    community: s.grid[1],
    grid: s.grid[2],
  }
}

export function positionPoint(row: PositionRow, s: Subject): Point {
  return {
    measurement: 'position',
    tags: { ...place(s), src: row.src },
    fields: { lat: row.lat, lon: row.lon, acc: row.acc },
    ts: pointTime(row.ts, row.receivedAt),
  }
}

export function vitalsPoint(row: VitalsRow, s: Subject): Point {
  return {
    measurement: 'vitals',
    tags: place(s),
    fields: { ...row.doc },
    ts: pointTime(row.ts, row.receivedAt),
  }
}

export interface StatusReading {
  online: boolean
  battery?: number | undefined
  signal?: number | undefined
  fw?: string | undefined
}

/** `online` is 1/0 so InfluxQL can sum and average it (booleans cannot be). */
export function statusPoint(status: StatusReading, receivedAt: number, s: Subject): Point {
  return {
    measurement: 'device_status',
    tags: place(s),
    fields: { online: status.online ? 1 : 0, battery: status.battery, signal: status.signal, fw: status.fw },
    ts: receivedAt,
  }
}

/** One point per timeline entry. The elder tag keeps two alarms at the same millisecond apart. */
export function alarmEventPoint(alarm: Readonly<Alarm>, entry: Readonly<TimelineEntry>, s: Subject): Point {
  return {
    measurement: 'alarm_event',
    tags: {
      ...place({ ...s, deviceId: alarm.deviceId, elderId: alarm.elderId }),
      kind: alarm.kind,
      priority: String(alarm.priority),
      event: entry.type,
      carer: entry.carerId,
    },
    fields: { alarm_id: alarm.id, seq: entry.seq, actor: entry.actor, note: entry.note, n: 1 },
    ts: entry.at,
  }
}

const closing: ReadonlySet<string> = new Set(['resolved', 'cancelled'])

/** The response figures of a closed alarm, dated by its `raised` time; `undefined` while it is open. */
export function responsePoint(
  alarm: Readonly<Alarm>,
  entry: Readonly<TimelineEntry>,
  s: Subject,
): Point | undefined {
  if (!closing.has(entry.type)) return undefined
  const arrived = alarm.arrivedAt
  return {
    measurement: 'alarm_response',
    tags: {
      ...place({ ...s, deviceId: alarm.deviceId, elderId: alarm.elderId }),
      kind: alarm.kind,
      priority: String(alarm.priority),
      carer: alarm.carerId,
      outcome: alarm.outcome ?? (alarm.state === 'cancelled' ? 'cancelled' : undefined),
    },
    fields: {
      alarm_id: alarm.id,
      accept_s: alarm.acceptedAt === undefined ? undefined : (alarm.acceptedAt - alarm.raisedAt) / 1000,
      arrive_s: arrived === undefined ? undefined : (arrived - alarm.raisedAt) / 1000,
      on_time: arrived === undefined ? undefined : arrived - alarm.raisedAt <= ON_TIME_MS ? 1 : 0,
      completed: alarm.state === 'resolved' ? 1 : 0,
      escalated: alarm.escalated ? 1 : 0,
      arrival_distance_m: alarm.arrivalDistanceM,
    },
    ts: alarm.raisedAt,
  }
}
