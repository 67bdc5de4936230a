import type { BootstrapRepository, BootstrapState } from '../../access/ports.ts'
import type { FlowsSecretRepository } from '../../flows/ports.ts'
import {
  ADMIN_TOKEN_HASH,
  ADMIN_TOKEN_RETIRED_AT,
  FLOWS_CREDENTIAL_SECRET,
  FORGET_SETTING,
  INSERT_SETTING,
  READ_SETTING,
} from '../rows/settings.ts'
import type { PgStore, Queryable } from './db.ts'

/**
 * Single values in PostgreSQL's `settings` table (cluster mode). Nodes starting together each
 * offer a value; the first committed stands: an insert that meets another's waits for it to
 * commit and then keeps nothing, and every node reads back the one that stands.
 */
export class PgSettings implements BootstrapRepository, FlowsSecretRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async state(): Promise<BootstrapState> {
    const rows = await this.#store.rows<{ key: string; value: string }>(
      'SELECT key, value FROM settings WHERE key IN (?, ?)',
      [ADMIN_TOKEN_HASH, ADMIN_TOKEN_RETIRED_AT],
    )
    const state: BootstrapState = {}
    for (const { key, value } of rows) {
      if (key === ADMIN_TOKEN_HASH) state.tokenHash = value
      else state.retiredAt = Number(value)
    }
    return state
  }

  async keepTokenHash(hash: string): Promise<boolean> {
    return (await this.#store.run(INSERT_SETTING, [ADMIN_TOKEN_HASH, hash])) > 0
  }

  async retire(at: number): Promise<number> {
    return this.#store.tx(async (q) => {
      await q.run(INSERT_SETTING, [ADMIN_TOKEN_RETIRED_AT, String(at)])
      await q.run(FORGET_SETTING, [ADMIN_TOKEN_HASH])
      return Number(await read(q, ADMIN_TOKEN_RETIRED_AT))
    })
  }

  /** Two statements, not one: a statement does not see a row another committed while it ran. */
  async keepCredentialSecret(candidate: string): Promise<string> {
    await this.#store.run(INSERT_SETTING, [FLOWS_CREDENTIAL_SECRET, candidate])
    return (await read(this.#store, FLOWS_CREDENTIAL_SECRET)) as string
  }
}

async function read(q: Queryable, key: string): Promise<string | undefined> {
  return (await q.one<{ value: string }>(READ_SETTING, [key]))?.value
}
