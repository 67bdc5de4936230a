import type { ErasureJob, ErasureJobRepository } from '../../history/ports.ts'
import { erasureJobOf } from '../rows/erasures.ts'
import type { PgStore } from './db.ts'

/**
 * The durable jobs that carry elders' erasures into the TSDB (history_erasures), on PostgreSQL.
 * A job is recorded by the erasure itself, in its transaction.
 */
export class PgErasureJobs implements ErasureJobRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async list(): Promise<ErasureJob[]> {
    const rows = await this.#store.rows<Record<string, unknown>>(
      'SELECT elder_id, status, requested_at FROM history_erasures ORDER BY requested_at, elder_id',
    )
    return rows.map(erasureJobOf)
  }

  async failed(elderId: string, error: string): Promise<void> {
    await this.#store.run(
      'UPDATE history_erasures SET attempts = attempts + 1, last_error = ? WHERE elder_id = ?',
      [error.slice(0, 500), elderId],
    )
  }

  async done(elderId: string): Promise<void> {
    await this.#store.run('DELETE FROM history_erasures WHERE elder_id = ?', [elderId])
  }

  async manual(elderId: string): Promise<void> {
    await this.#store.run("UPDATE history_erasures SET status = 'manual' WHERE elder_id = ?", [elderId])
  }
}
