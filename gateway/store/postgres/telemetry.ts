import type { OutboxAppended } from '../../history/ports.ts'
import type { PositionRow, TelemetryBatch, TelemetryRepository } from '../../telemetry/ports.ts'
import { positionOf } from '../rows/telemetry.ts'
import type { PgStore, Queryable } from './db.ts'
import { appendOutbox } from './outbox.ts'

/**
 * Positions, vitals, scans and devices' last fix and last-heard time on PostgreSQL. No thread of
 * its own as the SQLite one has: the database does the work in its own processes, and the event
 * loop only waits for the answer. Each kind of row goes in one statement however many the batch
 * holds: the rows travel as one JSON array, which the statement reads as a table.
 */
export class PgTelemetry implements TelemetryRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  /** One transaction: positions, vitals, scans, last fixes, last-heard times and the history lines. */
  write(batch: TelemetryBatch): Promise<OutboxAppended | undefined> {
    return this.#store.tx(async (q) => {
      await insertPositions(q, batch.positions)
      await insertReadings(
        q,
        'vitals',
        batch.vitals.map((v) => ({ device_id: v.deviceId, ts: v.ts, doc: v.doc, received_at: v.receivedAt })),
      )
      await insertReadings(
        q,
        'radio_scans',
        batch.scans.map((s) => ({
          device_id: s.deviceId,
          ts: s.ts,
          doc: { cells: s.cells, wifi: s.wifi },
          received_at: s.receivedAt,
        })),
      )
      await setFixes(q, batch.fixes)
      await setSeen(q, batch.seen)
      return batch.history ? appendOutbox(q, batch.history) : undefined
    })
  }

  async track(deviceId: string, from: number, to: number, limit: number): Promise<PositionRow[]> {
    const rows = await this.#store.rows<Record<string, unknown>>(
      'SELECT * FROM positions WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?',
      [deviceId, from, to, limit],
    )
    return rows.map(positionOf)
  }

  /**
   * Deletes what was received before `before`, `step` rows per statement (each its own
   * transaction) with `pause` between two: a month of positions is millions of rows, and one
   * DELETE would hold them all locked until it ends.
   */
  async prune(
    before: number,
    { step = 5_000, pause }: { step?: number; pause?: () => Promise<unknown> } = {},
  ): Promise<number> {
    let removed = 0
    for (const table of ['positions', 'vitals', 'radio_scans']) {
      for (;;) {
        const changes = await this.#store.run(
          `DELETE FROM ${table} WHERE (device_id, ts) IN
             (SELECT device_id, ts FROM ${table} WHERE received_at < ? LIMIT ?)`,
          [before, step],
        )
        removed += changes
        if (changes < step) break
        await pause?.()
      }
    }
    return removed
  }
}

/**
 * The last of each key, in the order first seen: a row stored again replaces the one stored (as
 * SQLite's INSERT OR REPLACE does, one row after another), and one statement may touch a row once.
 */
function lastOfEach<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const last = new Map<string, T>()
  for (const row of rows) last.set(key(row), row)
  return [...last.values()]
}

/** A row's key: its device and time. */
const keyOf = (deviceId: string, ts: number) => `${deviceId}\u0000${ts}`

async function insertPositions(q: Queryable, positions: readonly PositionRow[]): Promise<void> {
  if (positions.length === 0) return
  const rows = lastOfEach(positions, (p) => keyOf(p.deviceId, p.ts)).map((p) => ({
    device_id: p.deviceId,
    ts: p.ts,
    lat: p.lat,
    lon: p.lon,
    acc: p.acc ?? null,
    src: p.src ?? null,
    received_at: p.receivedAt,
  }))
  await q.run(
    `INSERT INTO positions (device_id, ts, lat, lon, acc, src, received_at)
     SELECT device_id, ts, lat, lon, acc, src, received_at
     FROM json_populate_recordset(NULL::positions, ?::json)
     ON CONFLICT (device_id, ts) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, acc = excluded.acc,
       src = excluded.src, received_at = excluded.received_at`,
    [JSON.stringify(rows)],
  )
}

/** Vitals or radio scans: a document per (device, time), a repeat replacing it. */
async function insertReadings(
  q: Queryable,
  table: 'vitals' | 'radio_scans',
  readings: readonly { device_id: string; ts: number; doc: unknown; received_at: number }[],
): Promise<void> {
  if (readings.length === 0) return
  // the document is stored as the JSON text the SQLite store keeps, so it travels as a string
  const rows = lastOfEach(readings, (r) => keyOf(r.device_id, r.ts)).map((r) => ({
    ...r,
    doc: JSON.stringify(r.doc),
  }))
  await q.run(
    `INSERT INTO ${table} (device_id, ts, doc, received_at)
     SELECT device_id, ts, doc, received_at FROM json_populate_recordset(NULL::${table}, ?::json)
     ON CONFLICT (device_id, ts) DO UPDATE SET doc = excluded.doc, received_at = excluded.received_at`,
    [JSON.stringify(rows)],
  )
}

/**
 * Each device's last known position, unless it holds a newer one (a backlog sent late leaves it);
 * of two fixes of one device the newer counts, as when applied one after the other.
 */
async function setFixes(q: Queryable, fixes: readonly PositionRow[]): Promise<void> {
  if (fixes.length === 0) return
  const newest = new Map<string, PositionRow>()
  for (const f of fixes) {
    const held = newest.get(f.deviceId)
    if (!held || held.ts <= f.ts) newest.set(f.deviceId, f)
  }
  const rows = [...newest.values()].map((f) => ({
    id: f.deviceId,
    ts: f.ts,
    lat: f.lat,
    lon: f.lon,
    acc: f.acc ?? null,
  }))
  await q.run(
    `UPDATE devices SET lat = f.lat, lon = f.lon, acc = f.acc, pos_at = f.ts
     FROM json_to_recordset(?::json)
       AS f(id text, ts bigint, lat double precision, lon double precision, acc double precision)
     WHERE devices.id = f.id AND (devices.pos_at IS NULL OR devices.pos_at <= f.ts)`,
    [JSON.stringify(rows)],
  )
}

async function setSeen(q: Queryable, seen: ReadonlyMap<string, number>): Promise<void> {
  if (seen.size === 0) return
  const rows = [...seen].map(([id, at]) => ({ id, at }))
  await q.run(
    `UPDATE devices SET last_seen_at = s.at FROM json_to_recordset(?::json) AS s(id text, at bigint)
     WHERE devices.id = s.id`,
    [JSON.stringify(rows)],
  )
}
