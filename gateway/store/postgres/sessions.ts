import type { Session, SessionRepository } from '../../access/ports.ts'
import { INSERT_SESSION, sessionOf, sessionValues } from '../rows/sessions.ts'
import type { PgStore } from './db.ts'

/** Sessions in PostgreSQL (cluster mode), so a token made on one node is honoured on every other. */
export class PgSessions implements SessionRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async add(session: Session): Promise<void> {
    await this.#store.run(INSERT_SESSION, sessionValues(session))
  }

  async find(tokenHash: string): Promise<Session | undefined> {
    const row = await this.#store.one<Record<string, unknown>>(
      'SELECT username, carer_id, expires_at FROM sessions WHERE token_hash = ?',
      [tokenHash],
    )
    return row ? sessionOf(tokenHash, row) : undefined
  }

  async end(tokenHash: string): Promise<boolean> {
    return (await this.#store.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash])) > 0
  }

  /** One statement: the sessions answered are exactly those it ended. */
  async endOfCarer(carerId: string): Promise<string[]> {
    const rows = await this.#store.rows<{ token_hash: string }>(
      'DELETE FROM sessions WHERE carer_id = ? RETURNING token_hash',
      [carerId],
    )
    return rows.map((r) => r.token_hash)
  }

  async endOfUser(username: string): Promise<number> {
    return this.#store.run('DELETE FROM sessions WHERE username = ? AND carer_id IS NULL', [username])
  }
}
