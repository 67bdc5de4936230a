import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteSessions } from '../../../gateway/store/sqlite/sessions.ts'
import { SqliteSettings } from '../../../gateway/store/sqlite/settings.ts'
import { aStore } from './a-store.ts'

let store: ReturnType<typeof aStore>
beforeEach(() => {
  store = aStore()
})
afterEach(() => store.remove())

describe('the sessions adapter', () => {
  it('finds a session by its token’s hash and ends it, one, a carer’s phones, or a user’s web sessions', async () => {
    const sessions = new SqliteSessions(store)
    await sessions.add({ tokenHash: 'h-web', username: 'C01', expiresAt: 100 })
    await sessions.add({ tokenHash: 'h-phone-1', username: 'C01', carerId: 'C01', expiresAt: 200 })
    await sessions.add({ tokenHash: 'h-phone-2', username: 'C01', carerId: 'C01', expiresAt: 300 })
    await sessions.add({ tokenHash: 'h-li', username: 'li', expiresAt: 100 })
    expect(await sessions.find('h-web')).toEqual({ tokenHash: 'h-web', username: 'C01', expiresAt: 100 })
    expect(await new SqliteSessions(store).find('h-phone-1')).toEqual({
      tokenHash: 'h-phone-1',
      username: 'C01',
      carerId: 'C01',
      expiresAt: 200,
    })
    expect(await sessions.find('h-none')).toBeUndefined()
    expect(await sessions.endOfUser('C01')).toBe(1) // the phones are the carer's, not the web user's
    expect(await sessions.find('h-phone-1')).toBeDefined()
    expect((await sessions.endOfCarer('C01')).sort()).toEqual(['h-phone-1', 'h-phone-2'])
    expect(await sessions.endOfCarer('C01')).toEqual([])
    expect(await sessions.end('h-li')).toBe(true)
    expect(await sessions.end('h-li')).toBe(false)
    expect((store.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n).toBe(0)
  })
})

describe('the settings adapter', () => {
  it('keeps the bootstrap token’s hash once, and its retirement forgets the hash for good', async () => {
    const settings = new SqliteSettings(store)
    expect(await settings.state()).toEqual({})
    expect(await settings.keepTokenHash('hash-1')).toBe(true)
    expect(await settings.keepTokenHash('hash-2')).toBe(false)
    expect(await settings.state()).toEqual({ tokenHash: 'hash-1' })
    expect(await settings.retire(1_000)).toBe(1_000)
    expect(await settings.retire(2_000)).toBe(1_000)
    expect(await new SqliteSettings(store).state()).toEqual({ retiredAt: 1_000 })
    // the documented recovery: the row an operator deletes with the gateway stopped
    expect(store.db.prepare('SELECT key FROM settings').all()).toEqual([{ key: 'admin_token_retired_at' }])
  })

  it('keeps the first credential secret for the flows and answers it ever after', async () => {
    const settings = new SqliteSettings(store)
    expect(await settings.keepCredentialSecret('first')).toBe('first')
    expect(await new SqliteSettings(store).keepCredentialSecret('second')).toBe('first')
  })
})
