import type { ErasureJob, ErasureJobRepository } from '../../history/ports.ts'
import type { Store } from '../db.ts'
import { erasureJobOf } from '../rows/erasures.ts'
import { Statements } from './statements.ts'

/**
 * The durable jobs that carry elders' erasures into the TSDB (history_erasures), in the SQLite store.
 * A job is recorded by the erasure itself, in its transaction (SqlitePrivacy).
 */
export class SqliteErasureJobs implements ErasureJobRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async list(): Promise<ErasureJob[]> {
    const rows = this.#sql
      .get('SELECT elder_id, status, requested_at FROM history_erasures ORDER BY requested_at, elder_id')
      .all() as Record<string, unknown>[]
    return rows.map(erasureJobOf)
  }

  async failed(elderId: string, error: string): Promise<void> {
    this.#sql
      .get('UPDATE history_erasures SET attempts = attempts + 1, last_error = ? WHERE elder_id = ?')
      .run(error.slice(0, 500), elderId)
  }

  async done(elderId: string): Promise<void> {
    this.#sql.get('DELETE FROM history_erasures WHERE elder_id = ?').run(elderId)
  }

  async manual(elderId: string): Promise<void> {
    this.#sql.get("UPDATE history_erasures SET status = 'manual' WHERE elder_id = ?").run(elderId)
  }
}
