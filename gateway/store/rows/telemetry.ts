import type { PositionRow } from '../../telemetry/ports.ts'

type Row = Record<string, unknown>

/** A positions row, for both stores. */
export function positionOf(r: Row): PositionRow {
  const row: PositionRow = {
    deviceId: String(r.device_id),
    ts: Number(r.ts),
    lat: Number(r.lat),
    lon: Number(r.lon),
    receivedAt: Number(r.received_at),
  }
  if (typeof r.acc === 'number') row.acc = r.acc
  if (typeof r.src === 'string') row.src = r.src
  return row
}
