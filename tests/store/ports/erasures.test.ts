import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteErasureJobs } from '../../../gateway/store/sqlite/erasures.ts'
import { aStore } from './a-store.ts'

let store: ReturnType<typeof aStore>
let repo: SqliteErasureJobs
beforeEach(() => {
  store = aStore()
  repo = new SqliteErasureJobs(store)
  // as an erasure's transaction records them (SqlitePrivacy)
  const insert = store.db.prepare(
    "INSERT INTO history_erasures (elder_id, requested_at, attempts, status) VALUES (?, ?, 0, 'pending')",
  )
  insert.run('E02', 2_000)
  insert.run('E01', 1_000)
  insert.run('E03', 3_000)
})
afterEach(() => store.remove())

describe('the erasure jobs’ SQLite adapter', () => {
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
    const e01 = store.db
      .prepare("SELECT attempts, last_error FROM history_erasures WHERE elder_id = 'E01'")
      .get()
    expect(e01).toEqual({ attempts: 2, last_error: 'x'.repeat(500) })
  })
})
