import type { CarerLiveState, CarerStateRepository } from '../../carers/ports.ts'
import type { Point } from '../../dispatch/types.ts'
import { carerStateOf } from '../rows/carers.ts'
import type { PgStore } from './db.ts'

/** Carers' duty, positions and last word on PostgreSQL (columns of the `carers` row). */
export class PgCarerStates implements CarerStateRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async load(): Promise<CarerLiveState[]> {
    const rows = await this.#store.rows<Record<string, unknown>>(
      'SELECT id, duty, lat, lon, pos_at, last_seen_at FROM carers',
    )
    return rows.map(carerStateOf)
  }

  async saveDuty(id: string, duty: 'on' | 'off', at: number): Promise<void> {
    await this.#store.run('UPDATE carers SET duty = ?, duty_at = ?, last_seen_at = ? WHERE id = ?', [
      duty,
      at,
      at,
      id,
    ])
  }

  async savePosition(id: string, position: Point, at: number): Promise<void> {
    await this.#store.run('UPDATE carers SET lat = ?, lon = ?, pos_at = ?, last_seen_at = ? WHERE id = ?', [
      position.lat,
      position.lon,
      at,
      at,
      id,
    ])
  }

  async saveSeen(id: string, at: number): Promise<void> {
    await this.#store.run('UPDATE carers SET last_seen_at = ? WHERE id = ?', [at, id])
  }
}
