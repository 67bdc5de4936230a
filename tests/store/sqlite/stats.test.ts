import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorklistName } from '../../../gateway/stats/ports.ts'
import { StatsService } from '../../../gateway/stats/service.ts'
import { Store } from '../../../gateway/store/db.ts'
import { SqliteStats } from '../../../gateway/store/sqlite/stats/runner.ts'

/** Stats tasks in worker threads kept between tasks: queued past the limit, errors answered, stopped cleanly. */

let dir = ''
let store: Store
const window = { prefix: '', from: 0, to: 10_000, now: 10_000 }

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'care-stats-run-'))
  store = new Store(join(dir, 'care.db'))
  store.open()
  const insert = store.db.prepare(
    `INSERT INTO alarms (id, kind, priority, state, elder_id, grid, raised_at, lat, lon, updated_at)
     VALUES (?, 'sos', 1, 'open', 'E01', '', ?, 0, 0, 0)`,
  )
  for (let i = 0; i < 30; i++) insert.run(`A${i}`, i * 100)
})
afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the SQLite stats queries in worker threads', () => {
  it('answers more tasks than it has threads, each with its own answer', async () => {
    const runner = new SqliteStats(store, 1)
    const stats = new StatsService(runner)
    try {
      const answers = await Promise.all(
        [1_000, 2_000, 3_000, 4_000].map((to) => stats.report([], { ...window, to })),
      )
      // alarms raised every 100 ms from 0: [0, to) holds to / 100 of them
      expect(answers.map((a) => a.totals.alarms)).toEqual([10, 20, 30, 30])
    } finally {
      await runner.stop()
    }
  })

  it('rejects a task that fails, and goes on answering', async () => {
    const runner = new SqliteStats(store, 1)
    try {
      const bad = runner.worklist('nope' as WorklistName, window, 5, undefined)
      const good = runner.worklist('late', window, 5, undefined)
      await expect(bad).rejects.toThrow()
      // open priority-1 alarms raised 15 minutes or more before "now" are late: none in 10 s
      expect((await good).total).toBe(0)
    } finally {
      await runner.stop()
    }
  })

  it('stops its threads, and takes no task after', async () => {
    const runner = new SqliteStats(store, 2)
    await Promise.all([runner.report(window, true), runner.report(window, true)])
    await runner.stop()
    await expect(runner.report(window, true)).rejects.toThrow(/stopped/)
  })
})
