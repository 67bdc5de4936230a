import { describe, expect, it } from 'vitest'
import { Outbox } from '../../gateway/history/outbox.ts'
import type { OutboxAppended } from '../../gateway/history/ports.ts'
import type { PositionRow, TelemetryBatch } from '../../gateway/telemetry/ports.ts'
import { type BatchHistory, TelemetryWriter } from '../../gateway/telemetry/positions.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { MemoryOutbox } from '../support/memory/history.ts'
import { MemoryTelemetry } from '../support/memory/telemetry.ts'

/** The telemetry writer over its repository in memory: batches, their order, their history, their failures. */

const fix = (deviceId: string, ts: number, over: Partial<PositionRow> = {}): PositionRow => ({
  deviceId,
  ts,
  lat: 37.38 + ts / 1e6,
  lon: 117.97,
  receivedAt: ts,
  ...over,
})

/** A repository whose writes wait until let through, one at a time, in the order they came. */
class GatedTelemetry extends MemoryTelemetry {
  readonly #gates: (() => void)[] = []

  override async write(batch: TelemetryBatch): Promise<OutboxAppended | undefined> {
    await new Promise<void>((resolve) => this.#gates.push(resolve))
    return super.write(batch)
  }

  get waiting(): number {
    return this.#gates.length
  }

  release(): void {
    this.#gates.shift()?.()
  }
}

function parts(repo = new MemoryTelemetry(), maxBatch = 500) {
  const metrics = new Metrics()
  const writer = new TelemetryWriter(repo, createLogger('silent'), metrics, 50, maxBatch)
  return { repo, metrics, writer }
}

/** A writer whose batches feed the outbox (in the batch's own write): one position line a fix. */
function withHistory(limit = 1_000) {
  const store = new MemoryOutbox()
  const { repo, metrics, writer } = parts(new MemoryTelemetry(store))
  const outbox = new Outbox(store, metrics, limit)
  const history: BatchHistory = {
    lines: (positions) =>
      outbox.prepare(
        positions.map((p) => ({
          cls: 'position',
          line: `position,device=${p.deviceId} lat=${p.lat} ${p.ts}`,
        })),
        1_000,
      ),
    committed: (append, result) => outbox.committed(append, result),
    failed: (append) => outbox.failed(append),
  }
  writer.historyTo(history)
  return { repo, metrics, writer, store, outbox }
}

describe('the telemetry writer', () => {
  it('stores a flush as one batch: positions, vitals, each device’s newest fix and when it was heard', async () => {
    const { repo, metrics, writer } = parts()
    void writer.position(fix('D01', 1_000))
    void writer.position(fix('D02', 1_500))
    void writer.position(fix('D01', 2_000))
    void writer.vitals({ deviceId: 'D03', ts: 2_100, doc: { hr: 70 }, receivedAt: 2_100 })
    writer.seen('D01', 2_000)
    writer.seen('D03', 2_100)
    expect(repo.batches).toHaveLength(0)
    await writer.flush()
    expect(repo.batches).toHaveLength(1)
    expect(repo.positions.map((p) => [p.deviceId, p.ts])).toEqual([
      ['D01', 1_000],
      ['D02', 1_500],
      ['D01', 2_000],
    ])
    expect(repo.fixes.get('D01')?.ts).toBe(2_000)
    expect(repo.fixes.get('D02')?.ts).toBe(1_500)
    expect(Object.fromEntries(repo.seen)).toEqual({ D01: 2_000, D03: 2_100 })
    expect(repo.vitals).toEqual([{ deviceId: 'D03', ts: 2_100, doc: { hr: 70 }, receivedAt: 2_100 }])
    expect(metrics.get('care_positions_stored_total')).toBe(3)
    // nothing buffered: nothing written
    await writer.flush()
    expect(repo.batches).toHaveLength(1)
  })

  it('keeps a device’s newest fix by its time when older ones (a backlog sent late) come after it', async () => {
    const { repo, writer } = parts()
    void writer.position(fix('D01', 5_000))
    void writer.position(fix('D01', 1_000))
    void writer.position(fix('D01', 2_000))
    void writer.scan({ deviceId: 'D01', ts: 3_000, cells: [], wifi: [], receivedAt: 3_000 })
    await writer.flush()
    expect(repo.batches[0]?.fixes.map((p) => p.ts)).toEqual([5_000])
    expect(repo.batches[0]?.scans).toHaveLength(1)
  })

  it('flushes by itself once a batch is full, without waiting for the timer', async () => {
    const { repo, writer } = parts(new MemoryTelemetry(), 3)
    void writer.position(fix('D01', 1))
    void writer.position(fix('D01', 2))
    expect(repo.batches).toHaveLength(0)
    void writer.position(fix('D01', 3))
    await writer.flush()
    expect(repo.batches.map((b) => b.positions.length)).toEqual([3])
  })

  it('stores batches in the order they were taken, and settles a flush only once its batch is stored', async () => {
    const repo = new GatedTelemetry()
    const { writer } = parts(repo)
    void writer.position(fix('D01', 1))
    let firstStored = false
    const first = writer.flush().then(() => {
      firstStored = true
    })
    void writer.position(fix('D01', 2))
    let secondStored = false
    const second = writer.flush().then(() => {
      secondStored = true
    })
    await new Promise((r) => setImmediate(r))
    // the second batch waits for the first: one write at a time
    expect(repo.waiting).toBe(1)
    repo.release()
    await first
    expect(secondStored).toBe(false)
    await new Promise((r) => setImmediate(r))
    repo.release()
    await second
    expect(firstStored && secondStored).toBe(true)
    expect(repo.batches.map((b) => b.positions.map((p) => p.ts))).toEqual([[1], [2]])
  })

  it('counts and logs a batch the store refused, never rejects, and goes on with the next', async () => {
    const { repo, metrics, writer } = parts()
    repo.failNext = 1
    void writer.position(fix('D01', 1))
    await expect(writer.flush()).resolves.toBeUndefined()
    expect(metrics.get('care_telemetry_write_errors_total')).toBe(1)
    expect(metrics.get('care_positions_stored_total')).toBe(0)
    void writer.position(fix('D01', 2))
    await writer.flush()
    expect(repo.positions.map((p) => p.ts)).toEqual([2])
  })

  it('queues each batch’s history points in the outbox with it, and releases them when the batch fails', async () => {
    const { repo, writer, store, outbox } = withHistory()
    void writer.position(fix('D01', 1))
    void writer.position(fix('D02', 2))
    await writer.flush()
    expect(store.rows.map((r) => r.line)).toEqual([
      `position,device=D01 lat=${fix('D01', 1).lat} 1`,
      `position,device=D02 lat=${fix('D02', 2).lat} 2`,
    ])
    expect(outbox.depth).toBe(2)
    expect(outbox.oldestAt()).toBe(1_000)
    repo.failNext = 1
    void writer.position(fix('D01', 3))
    await writer.flush()
    // neither the fix nor its point was stored, and the outbox counts only what it holds
    expect(store.rows).toHaveLength(2)
    expect(outbox.depth).toBe(2)
  })

  it('lets the outbox limit drop the oldest points of a batch, counted', async () => {
    const { metrics, writer, store, outbox } = withHistory(3)
    for (let ts = 1; ts <= 5; ts++) void writer.position(fix('D01', ts))
    await writer.flush()
    expect(store.rows.map((r) => r.line.split(' ')[2])).toEqual(['3', '4', '5'])
    expect(outbox.depth).toBe(3)
    expect(metrics.get('care_history_points_dropped_total', { measurement: 'position' })).toBe(2)
  })

  it('never stores what was buffered of erased devices', async () => {
    const { repo, writer } = parts()
    void writer.position(fix('D01', 1))
    void writer.position(fix('D02', 2))
    void writer.vitals({ deviceId: 'D01', ts: 3, doc: { hr: 60 }, receivedAt: 3 })
    writer.seen('D01', 3)
    writer.forget(['D01'])
    await writer.flush()
    expect(repo.positions.map((p) => p.deviceId)).toEqual(['D02'])
    expect(repo.vitals).toEqual([])
    expect([...repo.fixes.keys()]).toEqual(['D02'])
    expect(repo.seen.size).toBe(0)
  })

  it('answers a track with the fixes still buffered, and stores what is left at stop', async () => {
    const { repo, writer } = parts()
    writer.start()
    void writer.position(fix('D01', 10))
    void writer.position(fix('D01', 20))
    expect((await writer.track('D01', 0, 15)).map((p) => p.ts)).toEqual([10])
    void writer.position(fix('D01', 30))
    await writer.stop()
    expect(repo.positions.map((p) => p.ts)).toEqual([10, 20, 30])
  })

  it('settles each reading’s promise with its batch: stored, or refused with the store’s error', async () => {
    const repo = new GatedTelemetry()
    const { writer } = parts(repo)
    const settled: string[] = []
    const first = writer.position(fix('D01', 1)).then(() => settled.push('first stored'))
    const vitals = writer.vitals({ deviceId: 'D01', ts: 1, doc: { hr: 70 }, receivedAt: 1 })
    void writer.flush()
    const second = writer.position(fix('D01', 2)).then(() => settled.push('second stored'))
    void writer.flush()
    await expect.poll(() => repo.waiting).toBe(1)
    expect(settled).toEqual([])
    repo.release()
    await first
    await vitals
    expect(settled).toEqual(['first stored'])
    await expect.poll(() => repo.waiting).toBe(1)
    repo.release()
    await second
    expect(settled).toEqual(['first stored', 'second stored'])

    const failing = parts()
    failing.repo.failNext = 1
    const refused = failing.writer.position(fix('D02', 3))
    await failing.writer.flush()
    await expect(refused).rejects.toThrow()
  })

  it('writes out at the next turn of the event loop when a reading is waited for (hurry)', async () => {
    const { repo, writer } = parts()
    writer.start() // the timer's tick is 50 ms away
    const stored = writer.position(fix('D01', 1))
    writer.hurry()
    writer.hurry() // one flush for both
    await stored
    expect(repo.batches).toHaveLength(1)
    await writer.stop()
  })

  it('settles the readings of a batch an erasure emptied, with nothing stored', async () => {
    const { repo, writer } = parts()
    const stored = writer.position(fix('D09', 1))
    writer.forget(['D09'])
    await writer.flush()
    await expect(stored).resolves.toBeUndefined()
    expect(repo.batches).toHaveLength(0)
  })

  it('gathers readings waited for while a batch is written, and stores them together right after it', async () => {
    const repo = new GatedTelemetry()
    const { writer } = parts(repo)
    const first = writer.position(fix('D01', 1))
    writer.hurry()
    await expect.poll(() => repo.waiting).toBe(1)
    // while the first batch is being written, three more readings are waited for
    const later = [2, 3, 4].map((ts) => {
      const stored = writer.position(fix('D01', ts))
      writer.hurry()
      return stored
    })
    repo.release()
    await first
    await expect.poll(() => repo.waiting).toBe(1)
    repo.release()
    await Promise.all(later)
    expect(repo.batches.map((b) => b.positions.map((p) => p.ts))).toEqual([[1], [2, 3, 4]])
  })
})
