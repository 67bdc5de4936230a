import type { ElderExport } from '../../registry/ports.ts'

/**
 * An elder's export and erasure as both stores do them (SQLite, PostgreSQL): the export is the
 * rows as stored, column for column (docs/decisions.md), secrets left out.
 */

export type Row = Record<string, unknown>

/** The rows read for an export, each table's in the order the export lists them. */
export interface ElderRows {
  elder: Row
  devices: Row[]
  alarms: Row[]
  /** An alarm's timeline, by `seq`. */
  timeline: (alarmId: string) => Row[]
  positions: Row[]
  vitals: Row[]
  scans: Row[]
  /** `doc` of each visit, by due day. */
  visits: Row[]
  /** `doc` of the visit plan, if any. */
  plan: Row | undefined
}

export function elderExport(rows: ElderRows): ElderExport {
  return {
    elder: { ...rows.elder, doc: JSON.parse(String(rows.elder.doc)) as unknown },
    devices: rows.devices.map(({ secret_hash: _secret, ...device }) => device),
    alarms: rows.alarms.map((a) => ({ ...a, timeline: rows.timeline(String(a.id)) })),
    positions: rows.positions,
    vitals: rows.vitals,
    scans: rows.scans,
    visits: rows.visits.map((v) => JSON.parse(String(v.doc)) as Row),
    visitPlan: rows.plan ? (JSON.parse(String(rows.plan.doc)) as Row) : null,
  }
}

/**
 * What a history point of the elder's contains: the tag `elder=<id>`, followed by a comma (more
 * tags) or a space (the fields). Matched as text, case and all: `E01` is not `e01`.
 */
export function elderTags(elderId: string): [string, string] {
  return [`,elder=${elderId},`, `,elder=${elderId} `]
}

/** The job that deletes the elder's series already in the TSDB (history's ErasureJobRepository works it off). */
export const RECORD_HISTORY_ERASURE = `INSERT INTO history_erasures (elder_id, requested_at, attempts, status)
  VALUES (?, ?, 0, 'pending')
  ON CONFLICT(elder_id) DO UPDATE SET requested_at = excluded.requested_at, status = 'pending'`
