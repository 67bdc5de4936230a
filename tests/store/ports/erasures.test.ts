import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ErasureJobRepository } from '../../../gateway/history/ports.ts'
import { PgErasureJobs } from '../../../gateway/store/postgres/erasures.ts'
import { SqliteErasureJobs } from '../../../gateway/store/sqlite/erasures.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'

const stores = testStores()

function erasureJobs(store: TestStore): ErasureJobRepository {
  if (store.sqlite) return new SqliteErasureJobs(store.sqlite)
  if (store.pg) return new PgErasureJobs(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the erasure jobs’ adapter (%s)', (kind) => {
  let store: TestStore
  let repo: ErasureJobRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = erasureJobs(store)
    // as an erasure's transaction records them
    for (const [elderId, at] of [
      ['E02', 2_000],
      ['E01', 1_000],
      ['E03', 3_000],
    ] as const) {
      await store.run(
        "INSERT INTO history_erasures (elder_id, requested_at, attempts, status) VALUES (?, ?, 0, 'pending')",
        [elderId, at],
      )
    }
  })
  afterEach(() => store.close())

  it('lists the jobs oldest request first', async () => {
    expect(await repo.list()).toEqual([
      { elderId: 'E01', status: 'pending', requestedAt: 1_000 },
      { elderId: 'E02', status: 'pending', requestedAt: 2_000 },
      { elderId: 'E03', status: 'pending', requestedAt: 3_000 },
    ])
  })

  it('counts a failed attempt with its error, ends a job done, and leaves one to an operator', async () => {
    await repo.failed('E01', 'delete position: 503 unavailable')
    await repo.failed('E01', 'x'.repeat(600))
    await repo.done('E02')
    await repo.manual('E03')
    expect(await repo.list()).toEqual([
      { elderId: 'E01', status: 'pending', requestedAt: 1_000 },
      { elderId: 'E03', status: 'manual', requestedAt: 3_000 },
    ])
    const e01 = await store.rows("SELECT attempts, last_error FROM history_erasures WHERE elder_id = 'E01'")
    expect(e01).toEqual([{ attempts: 2, last_error: 'x'.repeat(500) }])
  })

  it('orders jobs requested at the same time by elder', async () => {
    await store.run(
      "INSERT INTO history_erasures (elder_id, requested_at, attempts, status) VALUES ('E00', 2000, 0, 'pending')",
    )
    expect((await repo.list()).map((j) => j.elderId)).toEqual(['E01', 'E00', 'E02', 'E03'])
  })
})
