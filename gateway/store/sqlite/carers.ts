import type { CarerLiveState, CarerStateRepository } from '../../carers/ports.ts'
import type { Point } from '../../dispatch/types.ts'
import type { Store } from '../db.ts'
import { Statements } from './statements.ts'

/** Carers' duty, positions and last word on SQLite (columns of the `carers` row). */
export class SqliteCarerStates implements CarerStateRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async load(): Promise<CarerLiveState[]> {
    const rows = this.#sql.get('SELECT id, duty, lat, lon, pos_at, last_seen_at FROM carers').all() as {
      id: string
      duty: string | null
      lat: number | null
      lon: number | null
      pos_at: number | null
      last_seen_at: number | null
    }[]
    return rows.map((r) => {
      const state: CarerLiveState = { id: r.id }
      if (r.duty === 'on' || r.duty === 'off') state.duty = r.duty
      if (r.lat !== null && r.lon !== null && r.pos_at !== null)
        state.position = { lat: r.lat, lon: r.lon, at: r.pos_at }
      if (r.last_seen_at !== null) state.lastSeenAt = r.last_seen_at
      return state
    })
  }

  async saveDuty(id: string, duty: 'on' | 'off', at: number): Promise<void> {
    this.#sql
      .get('UPDATE carers SET duty = ?, duty_at = ?, last_seen_at = ? WHERE id = ?')
      .run(duty, at, at, id)
  }

  async savePosition(id: string, position: Point, at: number): Promise<void> {
    this.#sql
      .get('UPDATE carers SET lat = ?, lon = ?, pos_at = ?, last_seen_at = ? WHERE id = ?')
      .run(position.lat, position.lon, at, at, id)
  }

  async saveSeen(id: string, at: number): Promise<void> {
    this.#sql.get('UPDATE carers SET last_seen_at = ? WHERE id = ?').run(at, id)
  }
}
