import { describe, expect, it } from 'vitest'
import { HistoryEraser } from '../../gateway/history/erasure.ts'
import { Outbox } from '../../gateway/history/outbox.ts'
import type { OutboxRow } from '../../gateway/history/ports.ts'
import type { LineSink } from '../../gateway/history/sink.ts'
import { HistoryWriter } from '../../gateway/history/writer.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'
import { MemoryErasureJobs, MemoryOutbox } from '../support/memory/history.ts'

/** The history writer and eraser over repositories that answer later than they read, as a remote store does. */

/** An outbox whose take reads at once but answers only when let through. */
class SlowTake extends MemoryOutbox {
  readonly #gates: (() => void)[] = []

  override async take(max: number): Promise<OutboxRow[]> {
    const rows = await super.take(max)
    await new Promise<void>((resolve) => this.#gates.push(resolve))
    return rows
  }

  get waiting(): number {
    return this.#gates.length
  }

  release(): void {
    this.#gates.shift()?.()
  }
}

class Sink implements LineSink {
  readonly taken: string[] = []
  async write(lines: readonly string[]): Promise<void> {
    this.taken.push(...lines)
  }
  async close(): Promise<void> {}
}

function parts(store: MemoryOutbox) {
  const clock = new ManualClock(1_000)
  const scheduler = new ManualScheduler(clock)
  const metrics = new Metrics()
  const log = createLogger('silent')
  const sink = new Sink()
  const outbox = new Outbox(store, metrics, 1_000)
  const writer = new HistoryWriter({
    outbox,
    sink,
    clock,
    scheduler,
    log,
    metrics,
    batch: 10,
    backoffBaseMs: 1_000,
    backoffMaxMs: 8_000,
  })
  return { clock, scheduler, metrics, log, sink, outbox, writer }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('the history writer over a slow store', () => {
  it('drains points added while a take that missed them was being answered', async () => {
    const store = new SlowTake()
    const { sink, outbox, writer } = parts(store)
    await outbox.start(() => writer.kick())
    writer.start()
    await tick()
    expect(store.waiting).toBe(1) // the first take read an empty outbox and is still answering
    await outbox.add([{ cls: 'alarm', line: 'alarm v=1 1' }], 1_000)
    store.release()
    await tick()
    // the writer takes once more before it rests
    while (store.waiting > 0) {
      store.release()
      await tick()
    }
    await writer.settled()
    expect(sink.taken).toEqual(['alarm v=1 1'])
    expect(outbox.depth).toBe(0)
  })
})

describe('the history eraser', () => {
  it('reads the jobs again when kicked: one an erasure recorded after start is worked off', async () => {
    const { clock, scheduler, metrics, log, writer } = parts(new MemoryOutbox())
    const jobs = new MemoryErasureJobs()
    const eraser = new HistoryEraser({
      jobs,
      writer,
      // nothing listens there: the delete fails, is counted, and is retried later
      target: { url: 'http://127.0.0.1:1' },
      clock,
      scheduler,
      log,
      metrics,
    })
    eraser.start()
    await eraser.settled()
    expect(eraser.health()).toEqual({ pending: 0, manual: 0 })
    jobs.record('E01', 1_000) // in the erasure's own transaction
    eraser.kick()
    await eraser.settled()
    expect(eraser.health()).toEqual({ pending: 1, manual: 0 })
    expect(jobs.jobs.get('E01')).toMatchObject({ attempts: 1, lastError: expect.any(String) })
    expect(metrics.get('care_history_erasure_failures_total')).toBe(1)
    expect(scheduler.dueAt('history:erase')).toBe(clock.now() + 5_000)
    await eraser.stop()
  })
})
