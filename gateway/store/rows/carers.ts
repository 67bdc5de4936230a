import type { CarerLiveState } from '../../carers/ports.ts'

type Row = Record<string, unknown>

/** A carer's stored duty, position and last word (columns of the `carers` row), for both stores. */
export function carerStateOf(r: Row): CarerLiveState {
  const state: CarerLiveState = { id: String(r.id) }
  if (r.duty === 'on' || r.duty === 'off') state.duty = r.duty
  if (typeof r.lat === 'number' && typeof r.lon === 'number' && typeof r.pos_at === 'number')
    state.position = { lat: r.lat, lon: r.lon, at: r.pos_at }
  if (typeof r.last_seen_at === 'number') state.lastSeenAt = r.last_seen_at
  return state
}
