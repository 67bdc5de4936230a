import { describe, expect, it } from 'vitest'
import { ImportJobs } from '../../gateway/registry/import/jobs.ts'
import type { BulkResult, BulkRow } from '../../gateway/registry/ports.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { MemoryRegistry } from '../support/memory/registry.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }

/** A store whose batch writes wait until the test lets each one through. */
class GatedStore extends MemoryRegistry {
  readonly waiting: (() => void)[] = []
  override async importMany(rows: readonly BulkRow[], at: number): Promise<BulkResult[]> {
    await new Promise<void>((resolve) => this.waiting.push(resolve))
    return super.importMany(rows, at)
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve))
  if (!check()) throw new Error('never came')
}

const elders = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    row: i + 1,
    value: { id: `E${1000 + i}`, name: `老人${i}`, home: HOME },
  }))

describe('import jobs', () => {
  it('show their progress step by step, keep the report until they end, and hear how they ended', async () => {
    const store = new GatedStore()
    const registry = new Registry({ repository: store, privacy: store, clock: new ManualClock(5_000) })
    await registry.load()
    const jobs = new ImportJobs(registry, new ManualClock(5_000))
    const ended: unknown[] = []
    const job = jobs.start('elders', [...elders(450), { row: 451, reason: '3 cells but 2 columns' }], (o) =>
      ended.push(o),
    )
    expect(job).toMatchObject({ state: 'running', total: 451, done: 0, startedAt: 5_000 })
    await until(() => store.waiting.length === 1)
    expect(jobs.view(job.id)).toMatchObject({ state: 'running', done: 0 })
    expect(jobs.report(job.id)).toBe('running')
    store.waiting.shift()?.()
    // elders go in steps of 200 rows: each stored before the next is written
    await until(() => store.waiting.length === 1)
    expect(jobs.view(job.id)).toMatchObject({ state: 'running', done: 200, created: 200 })
    store.waiting.shift()?.()
    await until(() => store.waiting.length === 1)
    expect(jobs.view(job.id)).toMatchObject({ state: 'running', done: 400, created: 400 })
    store.waiting.shift()?.()
    await until(() => ended.length === 1)
    expect(jobs.view(job.id)).toMatchObject({ state: 'done', done: 451, created: 450, rejected: 1 })
    const report = jobs.report(job.id)
    expect(report).toMatchObject({ total: 451, created: 450, rejected: 1 })
    expect(ended[0]).toMatchObject({ report: { total: 451 } })
    expect(jobs.view('no-such-job')).toBeUndefined()
  })

  it('end after their current step when the gateway stops, as failed', async () => {
    const store = new GatedStore()
    const registry = new Registry({ repository: store, privacy: store, clock: new ManualClock(0) })
    const jobs = new ImportJobs(registry, new ManualClock(0))
    const ended: unknown[] = []
    const job = jobs.start('elders', elders(1_200), (o) => ended.push(o))
    await until(() => store.waiting.length === 1)
    jobs.stop()
    store.waiting.shift()?.()
    await until(() => ended.length === 1)
    expect(jobs.view(job.id)).toMatchObject({
      state: 'failed',
      done: 200,
      error: expect.stringMatching(/stopping/),
    })
    expect(store.elders.size).toBe(200)
  })
})
