import { gridKey } from '../../../gateway/registry/schemas.ts'
import type { Arg } from '../../../gateway/store/postgres/db.ts'
import { dayNumber } from '../../../gateway/visits/days.ts'
import type { TestStore } from '../stores.ts'

/**
 * The stats tests' world, written as raw rows so that every case the figures tell apart can be set
 * up (docs/stats.md, docs/visits.md): small factories, and the same statements on either store.
 */

type Row = Record<string, Arg>

export interface World {
  elders: Row[]
  devices: Row[]
  alarms: Row[]
  timeline: Row[]
  offers: Row[]
  visits: Row[]
}

const columns: Record<keyof World, readonly string[]> = {
  elders: ['id', 'doc', 'grid', 'created_at', 'updated_at'],
  devices: [
    'id',
    'kind',
    'elder_id',
    'secret_hash',
    'interval_s',
    'last_seen_at',
    'online',
    'created_at',
    'updated_at',
  ],
  alarms: [
    'id',
    'kind',
    'priority',
    'state',
    'escalated',
    'elder_id',
    'device_id',
    'carer_id',
    'grid',
    'raised_at',
    'accepted_at',
    'arrived_at',
    'resolved_at',
    'outcome',
    'arrival_distance_m',
    'arrival_flagged',
    'lat',
    'lon',
    'updated_at',
    'overdue_at',
  ],
  timeline: ['alarm_id', 'seq', 'type', 'at', 'actor', 'data'],
  offers: ['alarm_id', 'carer_id', 'round', 'offered_at', 'expires_at', 'status', 'distance_m', 'eta_min'],
  visits: [
    'id',
    'elder_id',
    'kind',
    'status',
    'due_day',
    'day_n',
    'carer_id',
    'station_id',
    'grid',
    'risk',
    'signed_in_at',
    'on_site_s',
    'doc',
    'created_at',
    'updated_at',
  ],
}

const tables: Record<keyof World, string> = {
  elders: 'elders',
  devices: 'devices',
  alarms: 'alarms',
  timeline: 'alarm_timeline',
  offers: 'offers',
  visits: 'visits',
}

/** Writes the rows, a hundred to a statement (the same statements on either store). */
export async function write(store: TestStore, world: Partial<World>): Promise<void> {
  for (const part of Object.keys(columns) as (keyof World)[]) {
    const names = columns[part]
    const rows = world[part] ?? []
    for (let i = 0; i < rows.length; i += 100) {
      const batch = rows.slice(i, i + 100)
      const values = batch.map(() => `(${names.map(() => '?').join(', ')})`).join(', ')
      await store.run(
        `INSERT INTO ${tables[part]} (${names.join(', ')}) VALUES ${values}`,
        batch.flatMap((r) => names.map((n) => r[n] ?? null)),
      )
    }
  }
}

export function anElder(o: { id: string; grid?: string[]; name?: string; risk?: string }): Row {
  const doc: Record<string, string> = {}
  if (o.name !== undefined) doc.name = o.name
  if (o.risk !== undefined) doc.risk = o.risk
  return { id: o.id, doc: JSON.stringify(doc), grid: gridKey(o.grid), created_at: 0, updated_at: 0 }
}

export function aDevice(o: {
  id: string
  elderId: string
  createdAt: number
  lastSeenAt?: number
  online?: 0 | 1
  kind?: string
}): Row {
  return {
    id: o.id,
    kind: o.kind ?? 'terminal',
    elder_id: o.elderId,
    secret_hash: 'x',
    interval_s: 3600,
    last_seen_at: o.lastSeenAt ?? null,
    online: o.online ?? null,
    created_at: o.createdAt,
    updated_at: o.lastSeenAt ?? o.createdAt,
  }
}

export interface AlarmSpec {
  id: string
  elderId: string
  /** The grid the alarm was raised in: a path, or a grid key as stored. */
  grid?: string[] | string
  kind?: string
  priority?: number
  state?: string
  escalated?: boolean
  raisedAt: number
  acceptedAt?: number
  arrivedAt?: number
  resolvedAt?: number
  outcome?: string
  distanceM?: number
  flagged?: 0 | 1
  overdueAt?: number
  carerId?: string
}

export function anAlarm(o: AlarmSpec): Row {
  return {
    id: o.id,
    kind: o.kind ?? 'sos',
    priority: o.priority ?? 1,
    state: o.state ?? 'open',
    escalated: o.escalated ? 1 : 0,
    elder_id: o.elderId,
    device_id: null,
    carer_id: o.carerId ?? (o.acceptedAt === undefined ? null : 'C01'),
    grid: typeof o.grid === 'string' ? o.grid : gridKey(o.grid),
    raised_at: o.raisedAt,
    accepted_at: o.acceptedAt ?? null,
    arrived_at: o.arrivedAt ?? null,
    resolved_at: o.resolvedAt ?? null,
    outcome: o.outcome ?? null,
    arrival_distance_m: o.distanceM ?? null,
    arrival_flagged: o.flagged ?? null,
    lat: 22.78,
    lon: 115.36,
    updated_at: o.raisedAt,
    overdue_at: o.overdueAt ?? null,
  }
}

/** A timeline entry; a rating is `{type: 'rated', data: {score, by}}`. */
export function anEntry(alarmId: string, seq: number, type: string, at: number, data?: unknown): Row {
  return {
    alarm_id: alarmId,
    seq,
    type,
    at,
    actor: 'centre',
    data: data === undefined ? null : JSON.stringify(data),
  }
}

export interface VisitSpec {
  id: string
  elderId: string
  kind?: string
  status: string
  /** The day it is due (a report: the day it was filed). */
  day: string
  grid?: string[] | string
  risk?: string
  stationId?: string
  signedInAt?: number
  onSiteS?: number
  flags?: string[]
  report?: { condition?: string; needs?: string[] }
}

export function aVisit(o: VisitSpec): Row {
  const doc: Record<string, unknown> = { flags: o.flags ?? [] }
  if (o.report) doc.report = o.report
  return {
    id: o.id,
    elder_id: o.elderId,
    kind: o.kind ?? 'planned',
    status: o.status,
    due_day: o.day,
    day_n: dayNumber(o.day),
    carer_id: o.signedInAt === undefined ? null : 'C01',
    station_id: o.stationId ?? null,
    grid: typeof o.grid === 'string' ? o.grid : gridKey(o.grid),
    risk: o.risk ?? 'low',
    signed_in_at: o.signedInAt ?? null,
    on_site_s: o.onSiteS ?? null,
    doc: JSON.stringify(doc),
    created_at: 0,
    updated_at: 0,
  }
}
