import type { CarerLiveState, CarerStateRepository } from '../../carers/ports.ts'
import type { Point } from '../../dispatch/types.ts'
import type { Store } from '../db.ts'
import { carerStateOf } from '../rows/carers.ts'
import { Statements } from './statements.ts'

/** Carers' duty, positions and last word on SQLite (columns of the `carers` row). */
export class SqliteCarerStates implements CarerStateRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async load(): Promise<CarerLiveState[]> {
    const rows = this.#sql.get('SELECT id, duty, lat, lon, pos_at, last_seen_at FROM carers').all() as Record<
      string,
      unknown
    >[]
    return rows.map(carerStateOf)
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
