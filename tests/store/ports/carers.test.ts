import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CarerStateRepository } from '../../../gateway/carers/ports.ts'
import { PgCarerStates } from '../../../gateway/store/postgres/carers.ts'
import { SqliteCarerStates } from '../../../gateway/store/sqlite/carers.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function carerStates(store: TestStore): CarerStateRepository {
  if (store.sqlite) return new SqliteCarerStates(store.sqlite)
  if (store.pg) return new PgCarerStates(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the carer states’ adapter (%s)', (kind) => {
  let store: TestStore
  let repo: CarerStateRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = carerStates(store)
    for (const id of ['C01', 'C02']) {
      await store.run(
        `INSERT INTO carers (id, doc, secret_hash, created_at, updated_at) VALUES (?, '{}', 'x', 1000, 1000)`,
        [id],
      )
    }
  })
  afterEach(() => store.close())

  /** What another connection loads, by carer: what a restart would find. */
  async function reloaded() {
    const other = await reconnect(store)
    try {
      const states = await carerStates(other).load()
      return new Map(states.map((s) => [s.id, s]))
    } finally {
      await other.close()
    }
  }

  it('loads every carer off duty as registered, nowhere yet and never heard', async () => {
    const states = await reloaded()
    expect(states.get('C01')).toEqual({ id: 'C01', duty: 'off' })
    expect(states.get('C02')).toEqual({ id: 'C02', duty: 'off' })
    expect(states.size).toBe(2)
  })

  it('keeps a duty change with when it was said, which is also when the carer was last heard', async () => {
    await repo.saveDuty('C01', 'on', 5_000)
    expect((await reloaded()).get('C01')).toEqual({ id: 'C01', duty: 'on', lastSeenAt: 5_000 })
    expect(await store.rows("SELECT duty_at FROM carers WHERE id = 'C01'")).toEqual([{ duty_at: 5_000 }])
  })

  it('keeps the last position reported, heard then, and a later word without one', async () => {
    await repo.savePosition('C02', { lat: 37.38, lon: 117.97 }, 6_000)
    await repo.savePosition('C02', { lat: 37.39, lon: 117.96 }, 7_000)
    await repo.saveSeen('C02', 8_000)
    expect((await reloaded()).get('C02')).toEqual({
      id: 'C02',
      duty: 'off',
      position: { lat: 37.39, lon: 117.96, at: 7_000 },
      lastSeenAt: 8_000,
    })
    expect((await reloaded()).get('C01')).toEqual({ id: 'C01', duty: 'off' })
  })

  it('leaves out a duty it does not know', async () => {
    await store.run("UPDATE carers SET duty = 'break' WHERE id = 'C01'")
    expect((await reloaded()).get('C01')).toEqual({ id: 'C01' })
  })

  it('ignores a carer it does not know', async () => {
    await repo.saveDuty('C09', 'on', 5_000)
    await repo.savePosition('C09', { lat: 1, lon: 2 }, 5_000)
    await repo.saveSeen('C09', 5_000)
    expect([...(await reloaded()).keys()].sort()).toEqual(['C01', 'C02'])
  })
})
