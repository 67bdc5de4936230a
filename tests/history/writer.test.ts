import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Outbox } from '../../gateway/history/outbox.ts'
import type { PointClass } from '../../gateway/history/schema.ts'
import { type LineSink, SinkError } from '../../gateway/history/sink.ts'
import { HistoryWriter } from '../../gateway/history/writer.ts'
import { Store } from '../../gateway/store/db.ts'
import { SqliteOutbox } from '../../gateway/store/sqlite/outbox.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'

/** A sink that fails as told, and records what it took. */
class FakeSink implements LineSink {
  taken: string[] = []
  attempts = 0
  failWith: SinkError | undefined
  refuse: (line: string) => boolean = () => false

  async write(lines: readonly string[]): Promise<void> {
    this.attempts += 1
    if (this.failWith) throw this.failWith
    if (lines.some(this.refuse)) throw new SinkError('partial write: field type conflict', 400)
    this.taken.push(...lines)
  }

  async close(): Promise<void> {}
}

let store: Store
let clock: ManualClock
let scheduler: ManualScheduler
let metrics: Metrics
let sink: FakeSink
beforeEach(() => {
  store = new Store(':memory:')
  store.open()
  clock = new ManualClock()
  scheduler = new ManualScheduler(clock)
  metrics = new Metrics()
  sink = new FakeSink()
})
afterEach(() => store.close())

async function parts(limit = 1_000, random = () => 0.5) {
  const outbox = new Outbox(new SqliteOutbox(store), metrics, limit)
  const writer = new HistoryWriter({
    outbox,
    sink,
    clock,
    scheduler,
    log: createLogger('silent'),
    metrics,
    batch: 4,
    backoffBaseMs: 1_000,
    backoffMaxMs: 8_000,
    random,
  })
  await outbox.start(() => writer.kick())
  writer.start()
  return { outbox, writer }
}

const lines = (cls: PointClass, n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ cls, line: `m v=${from + i} ${from + i}` }))

describe('the history writer', () => {
  it('writes in batches and deletes rows only after each write succeeded', async () => {
    const { outbox, writer } = await parts()
    await outbox.add(lines('position', 10), clock.now())
    await writer.settled()
    expect(sink.taken).toHaveLength(10)
    expect(sink.attempts).toBe(3)
    expect(outbox.depth).toBe(0)
    expect(metrics.get('care_history_points_written_total')).toBe(10)
  })

  it('backs off exponentially with full jitter on the injected scheduler, then drains once', async () => {
    const { outbox, writer } = await parts(1_000, () => 0.5)
    sink.failWith = new SinkError('connect ECONNREFUSED')
    await outbox.add(lines('alarm', 3), clock.now())
    await writer.settled()
    expect(writer.state).toBe('backoff')
    expect(outbox.depth).toBe(3)
    // ceilings 1 s, 2 s, 4 s, 8 s, 8 s; half of each with random() = 0.5
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      waits.push(writer.retryInMs() ?? -1)
      await scheduler.advance(writer.retryInMs() ?? 0)
      await writer.settled()
    }
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 4_000])
    expect(sink.attempts).toBe(6)
    sink.failWith = undefined
    await scheduler.advance(writer.retryInMs() ?? 0)
    await writer.settled()
    expect(writer.state).toBe('idle')
    expect(sink.taken).toEqual(lines('alarm', 3).map((l) => l.line))
    expect(metrics.get('care_history_points_retried_total')).toBe(3)
    expect(writer.failures).toBe(0)
  })

  it('waits at least as long as the server asks on 429', async () => {
    const { outbox, writer } = await parts(1_000, () => 0)
    sink.failWith = new SinkError('too many requests', 429, 30_000)
    await outbox.add(lines('position', 1), clock.now())
    await writer.settled()
    expect(writer.retryInMs()).toBe(30_000)
  })

  it('halves a refused batch until the bad line stands alone, sets it aside, and writes the rest', async () => {
    const { outbox, writer } = await parts()
    sink.refuse = (line) => line.startsWith('m v=2 ')
    await outbox.add(lines('vitals', 4), clock.now())
    await writer.settled()
    expect(sink.taken).toEqual(['m v=0 0', 'm v=1 1', 'm v=3 3'])
    expect(outbox.depth).toBe(0)
    expect(outbox.rejected).toBe(1)
    expect(metrics.get('care_history_points_rejected_total', { measurement: 'vitals' })).toBe(1)
    const row = store.db.prepare('SELECT line, status FROM history_rejected').get()
    expect(row).toEqual({ line: 'm v=2 2', status: 400 })
  })

  it('past the limit drops the oldest positions, then vitals and status, never alarm or response points', async () => {
    const { outbox, writer } = await parts(6)
    sink.failWith = new SinkError('down')
    await outbox.add(lines('alarm', 2, 0), clock.now())
    await writer.settled()
    await outbox.add([...lines('position', 4, 10), ...lines('status', 2, 20)], clock.now())
    await outbox.add([...lines('response', 3, 30), ...lines('position', 1, 40)], clock.now())
    expect(outbox.depth).toBe(6)
    expect(metrics.get('care_history_points_dropped_total', { measurement: 'position' })).toBe(5)
    expect(metrics.get('care_history_points_dropped_total', { measurement: 'status' })).toBe(1)
    await outbox.add(lines('alarm', 3, 50), clock.now())
    expect(outbox.depth).toBe(8)
    expect(metrics.get('care_history_points_dropped_total', { measurement: 'status' })).toBe(2)
    sink.failWith = undefined
    await scheduler.advance(10_000)
    await writer.settled()
    expect(sink.taken.map((l) => Number(l.split(' ')[2]))).toEqual([0, 1, 30, 31, 32, 50, 51, 52])
  })
})
