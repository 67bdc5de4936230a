import type { Session, SessionRepository } from '../../access/ports.ts'
import type { Store } from '../db.ts'
import { INSERT_SESSION, sessionOf, sessionValues } from '../rows/sessions.ts'
import { Statements } from './statements.ts'

/** Sessions in the `sessions` table: the token's hash, the user or carer, the expiry. */
export class SqliteSessions implements SessionRepository {
  readonly #store: Store
  readonly #sql: Statements

  constructor(store: Store) {
    this.#store = store
    this.#sql = new Statements(store.db)
  }

  async add(session: Session): Promise<void> {
    this.#sql.get(INSERT_SESSION).run(...sessionValues(session))
  }

  async find(tokenHash: string): Promise<Session | undefined> {
    const row = this.#sql
      .get('SELECT username, carer_id, expires_at FROM sessions WHERE token_hash = ?')
      .get(tokenHash) as Record<string, unknown> | undefined
    return row ? sessionOf(tokenHash, row) : undefined
  }

  async end(tokenHash: string): Promise<boolean> {
    return Number(this.#sql.get('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash).changes) > 0
  }

  async endOfCarer(carerId: string): Promise<string[]> {
    return this.#store.tx(() => {
      const rows = this.#sql.get('SELECT token_hash FROM sessions WHERE carer_id = ?').all(carerId) as {
        token_hash: string
      }[]
      this.#sql.get('DELETE FROM sessions WHERE carer_id = ?').run(carerId)
      return rows.map((r) => r.token_hash)
    })
  }

  async endOfUser(username: string): Promise<number> {
    const ended = this.#sql.get('DELETE FROM sessions WHERE username = ? AND carer_id IS NULL').run(username)
    return Number(ended.changes)
  }
}
