import type { DeviceLive, FenceState } from '../../telemetry/ports.ts'

type Row = Record<string, unknown>

/** A device's live columns as the domain holds them, for both stores. */
export function deviceLiveOf(r: Row): DeviceLive {
  const device: DeviceLive = {
    id: String(r.id),
    elderId: String(r.elder_id),
    intervalS: Number(r.interval_s),
    createdAt: Number(r.created_at),
  }
  if (typeof r.last_seen_at === 'number') device.lastSeenAt = r.last_seen_at
  if (typeof r.online === 'number') device.online = r.online === 1
  if (typeof r.battery === 'number') device.battery = r.battery
  if (typeof r.fw === 'string') device.fw = r.fw
  if (typeof r.last_test_at === 'number') device.lastTestAt = r.last_test_at
  return device
}

/** A fence_state row. */
export function fenceOf(r: Row): { elderId: string; state: FenceState } {
  return { elderId: String(r.elder_id), state: { outside: r.outside === 1, strikes: Number(r.strikes) } }
}
