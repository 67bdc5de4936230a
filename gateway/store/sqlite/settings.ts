import type { BootstrapRepository, BootstrapState } from '../../access/ports.ts'
import type { FlowsSecretRepository } from '../../flows/ports.ts'
import type { Store } from '../db.ts'
import {
  ADMIN_TOKEN_HASH,
  ADMIN_TOKEN_RETIRED_AT,
  FLOWS_CREDENTIAL_SECRET,
  FORGET_SETTING,
  INSERT_SETTING,
  READ_SETTING,
} from '../rows/settings.ts'

/** Single values kept in the `settings` table: the bootstrap token's state, the flows' secret. */
export class SqliteSettings implements BootstrapRepository, FlowsSecretRepository {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  async state(): Promise<BootstrapState> {
    const state: BootstrapState = {}
    const hash = this.#get(ADMIN_TOKEN_HASH)
    const retired = this.#get(ADMIN_TOKEN_RETIRED_AT)
    if (hash !== undefined) state.tokenHash = hash
    if (retired !== undefined) state.retiredAt = Number(retired)
    return state
  }

  async keepTokenHash(hash: string): Promise<boolean> {
    return this.#insertNew(ADMIN_TOKEN_HASH, hash)
  }

  async retire(at: number): Promise<number> {
    return this.#store.tx(() => {
      this.#insertNew(ADMIN_TOKEN_RETIRED_AT, String(at))
      this.#store.db.prepare(FORGET_SETTING).run(ADMIN_TOKEN_HASH)
      return Number(this.#get(ADMIN_TOKEN_RETIRED_AT))
    })
  }

  async keepCredentialSecret(candidate: string): Promise<string> {
    this.#insertNew(FLOWS_CREDENTIAL_SECRET, candidate)
    return this.#get(FLOWS_CREDENTIAL_SECRET) as string
  }

  #get(key: string): string | undefined {
    const row = this.#store.db.prepare(READ_SETTING).get(key) as { value: string } | undefined
    return row?.value
  }

  /** Inserts the value unless the key has one; true when it was inserted. */
  #insertNew(key: string, value: string): boolean {
    return Number(this.#store.db.prepare(INSERT_SETTING).run(key, value).changes) > 0
  }
}
