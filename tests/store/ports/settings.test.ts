import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BootstrapRepository } from '../../../gateway/access/ports.ts'
import type { FlowsSecretRepository } from '../../../gateway/flows/ports.ts'
import { PgSettings } from '../../../gateway/store/postgres/settings.ts'
import { SqliteSettings } from '../../../gateway/store/sqlite/settings.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function settingsOf(store: TestStore): BootstrapRepository & FlowsSecretRepository {
  if (store.sqlite) return new SqliteSettings(store.sqlite)
  if (store.pg) return new PgSettings(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the settings adapter (%s)', (kind) => {
  let store: TestStore
  /** Other connections to the same database: the other nodes of a cluster starting together. */
  let nodes: TestStore[]
  beforeEach(async () => {
    store = await stores.open(kind)
    nodes = [await reconnect(store), await reconnect(store), await reconnect(store)]
  })
  afterEach(async () => {
    for (const node of nodes) await node.close()
    await store.close()
  })

  it('keeps the bootstrap token’s hash once, and its retirement forgets the hash for good', async () => {
    const settings = settingsOf(store)
    expect(await settings.state()).toEqual({})
    expect(await settings.keepTokenHash('hash-1')).toBe(true)
    expect(await settings.keepTokenHash('hash-2')).toBe(false)
    expect(await settings.state()).toEqual({ tokenHash: 'hash-1' })
    expect(await settings.retire(1_000)).toBe(1_000)
    expect(await settings.retire(2_000)).toBe(1_000)
    expect(await settingsOf(nodes[0] as TestStore).state()).toEqual({ retiredAt: 1_000 })
    // the documented recovery: the row an operator deletes with the gateway stopped
    expect(await store.rows('SELECT key FROM settings')).toEqual([{ key: 'admin_token_retired_at' }])
  })

  it('keeps the first credential secret for the flows and answers it ever after', async () => {
    const settings = settingsOf(store)
    expect(await settings.keepCredentialSecret('first')).toBe('first')
    expect(await settingsOf(nodes[0] as TestStore).keepCredentialSecret('second')).toBe('first')
  })

  it('gives nodes starting together one credential secret, whichever offered it', async () => {
    const all = [store, ...nodes].map(settingsOf)
    const answers = await Promise.all(all.map((s, i) => s.keepCredentialSecret(`candidate-${i}`)))
    expect(new Set(answers).size).toBe(1)
    expect(all.map((_, i) => `candidate-${i}`)).toContain(answers[0])
    expect(await store.rows("SELECT value FROM settings WHERE key = 'flows_credential_secret'")).toEqual([
      { value: answers[0] },
    ])
  })

  it('gives nodes starting together one bootstrap token, and one retirement time', async () => {
    const all = [store, ...nodes].map(settingsOf)
    const kept = await Promise.all(all.map((s, i) => s.keepTokenHash(`hash-${i}`)))
    expect(kept.filter(Boolean)).toHaveLength(1)
    expect((await settingsOf(store).state()).tokenHash).toBe(`hash-${kept.indexOf(true)}`)
    const retired = await Promise.all(all.map((s, i) => s.retire(1_000 + i)))
    expect(new Set(retired).size).toBe(1)
    expect(await settingsOf(store).state()).toEqual({ retiredAt: retired[0] })
  })

  // PostgreSQL only: SQLite has one writer, so no insert of another node's is ever under way
  if (kind === 'postgres')
    it('answers the secret another node is committing: its insert waits for that one, then keeps nothing', async () => {
      const other = (store.pg as NonNullable<TestStore['pg']>).pool
      const first = await other.connect()
      try {
        await first.query('BEGIN')
        await first.query("INSERT INTO settings (key, value) VALUES ('flows_credential_secret', 'first')")
        const late = settingsOf(nodes[0] as TestStore).keepCredentialSecret('late')
        // the late insert is seen waiting on the first one's row before that commits
        for (;;) {
          const [waiting] = await store.rows<{ n: number }>(
            `SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
          if (waiting?.n === 1) break
        }
        await first.query('COMMIT')
        expect(await late).toBe('first')
      } finally {
        first.release()
      }
    })
})
