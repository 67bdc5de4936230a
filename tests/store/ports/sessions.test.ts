import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SessionRepository } from '../../../gateway/access/ports.ts'
import { PgSessions } from '../../../gateway/store/postgres/sessions.ts'
import { SqliteSessions } from '../../../gateway/store/sqlite/sessions.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function sessionsOf(store: TestStore): SessionRepository {
  if (store.sqlite) return new SqliteSessions(store.sqlite)
  if (store.pg) return new PgSessions(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the sessions adapter (%s)', (kind) => {
  let store: TestStore
  beforeEach(async () => {
    store = await stores.open(kind)
  })
  afterEach(() => store.close())

  it('finds a session by its token’s hash and ends it, one, a carer’s phones, or a user’s web sessions', async () => {
    const sessions = sessionsOf(store)
    await sessions.add({ tokenHash: 'h-web', username: 'C01', expiresAt: 100 })
    await sessions.add({ tokenHash: 'h-phone-1', username: 'C01', carerId: 'C01', expiresAt: 200 })
    await sessions.add({ tokenHash: 'h-phone-2', username: 'C01', carerId: 'C01', expiresAt: 300 })
    await sessions.add({ tokenHash: 'h-li', username: 'li', expiresAt: 100 })
    await sessions.add({ tokenHash: 'h-other-phone', username: 'C02', carerId: 'C02', expiresAt: 300 })
    expect(await sessions.find('h-web')).toEqual({ tokenHash: 'h-web', username: 'C01', expiresAt: 100 })
    const other = await reconnect(store)
    try {
      // a token made through one connection (one node) is found through another
      expect(await sessionsOf(other).find('h-phone-1')).toEqual({
        tokenHash: 'h-phone-1',
        username: 'C01',
        carerId: 'C01',
        expiresAt: 200,
      })
    } finally {
      await other.close()
    }
    expect(await sessions.find('h-none')).toBeUndefined()
    expect(await sessions.endOfUser('C01')).toBe(1) // the phones are the carer's, not the web user's
    expect(await sessions.find('h-web')).toBeUndefined()
    expect(await sessions.find('h-phone-1')).toBeDefined()
    expect((await sessions.endOfCarer('C01')).sort()).toEqual(['h-phone-1', 'h-phone-2'])
    expect(await sessions.endOfCarer('C01')).toEqual([])
    expect(await sessions.end('h-li')).toBe(true)
    expect(await sessions.end('h-li')).toBe(false)
    expect(await store.rows('SELECT token_hash FROM sessions')).toEqual([{ token_hash: 'h-other-phone' }])
  })

  it('refuses a second session under the same token’s hash', async () => {
    const sessions = sessionsOf(store)
    await sessions.add({ tokenHash: 'h-1', username: 'li', expiresAt: 100 })
    await expect(sessions.add({ tokenHash: 'h-1', username: 'boss', expiresAt: 200 })).rejects.toThrow()
    expect(await sessions.find('h-1')).toEqual({ tokenHash: 'h-1', username: 'li', expiresAt: 100 })
  })
})
