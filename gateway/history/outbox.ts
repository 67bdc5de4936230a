import type { Metrics } from '../../kernel/observe/metrics.ts'
import type {
  OutboxAppend,
  OutboxAppended,
  OutboxLine,
  OutboxRepository,
  OutboxRow,
  Purged,
} from './ports.ts'
import { droppableClasses } from './schema.ts'

export type { OutboxRow }

/**
 * The history outbox: points wait in the store until the TSDB has taken them (nothing lost while
 * it is down). It is bounded: past `limit` rows the oldest positions go first, then vitals, then
 * status, each drop counted; alarm and response points are never dropped. The counts the health
 * report and the gauge read are kept here, in memory, from the repository's at start on.
 */
export class Outbox {
  readonly #repo: OutboxRepository
  readonly #metrics: Metrics
  readonly #limit: number
  #depth = 0
  #rejected = 0
  #oldestAt: number | undefined
  /** Answers of `oldestAt` older than the last change are ignored. */
  #oldestAsked = 0
  /** Rows up to this id are being written right now; the limit never drops them under the writer. */
  #inflightThrough = 0
  #onFill: (() => void) | undefined

  constructor(repo: OutboxRepository, metrics: Metrics, limit: number) {
    this.#repo = repo
    this.#metrics = metrics
    this.#limit = limit
  }

  /** Count what a previous run left behind; `onFill` is told whenever rows are added. */
  async start(onFill: () => void): Promise<void> {
    await this.recount()
    this.#onFill = onFill
  }

  /** Read the counts again: points were removed by another change (an elder's erasure). */
  async recount(): Promise<void> {
    const { waiting, rejected } = await this.#repo.counts()
    this.#depth = waiting
    this.#rejected = rejected
    this.#oldestAt = waiting > 0 ? await this.#repo.oldestAt() : undefined
  }

  get depth(): number {
    return this.#depth
  }

  get limit(): number {
    return this.#limit
  }

  /** Points the TSDB refused for good, kept apart. */
  get rejected(): number {
    return this.#rejected
  }

  /** When the oldest waiting point was queued, or `undefined` when empty. */
  oldestAt(): number | undefined {
    return this.#oldestAt
  }

  /** Add lines in one transaction; `cursor` moves the alarm cursor with them. */
  async add(lines: readonly OutboxLine[], at: number, cursor?: number): Promise<void> {
    if (lines.length === 0) return
    const append = this.prepare(lines, at, cursor)
    let result: OutboxAppended
    try {
      result = await this.#repo.append(append)
    } catch (error) {
      this.failed(append)
      throw error
    }
    this.committed(append, result)
  }

  /**
   * Lines to store with another change (the telemetry batch), in its transaction: the append to
   * hand its repository. Then `committed` or `failed`, once it is known.
   */
  prepare(lines: readonly OutboxLine[], at: number, cursor?: number): OutboxAppend {
    this.#depth += lines.length
    return {
      lines,
      at,
      excess: this.#depth - this.#limit,
      dropOrder: droppableClasses,
      spareThrough: this.#inflightThrough,
      cursor,
    }
  }

  committed(append: OutboxAppend, result: OutboxAppended | undefined): void {
    let dropped = 0
    for (const { cls, count } of result?.dropped ?? []) {
      this.#depth -= count
      dropped += count
      this.#metrics.inc('care_history_points_dropped_total', { measurement: cls }, count)
    }
    if (dropped > 0) this.#refreshOldest()
    else this.#oldestAt ??= append.at
    this.#onFill?.()
  }

  failed(append: OutboxAppend): void {
    this.#depth -= append.lines.length
  }

  /** The oldest `max` rows, marked in flight until `done`, `release` or `setAside`. */
  async take(max: number): Promise<OutboxRow[]> {
    const rows = await this.#repo.take(max)
    this.#inflightThrough = rows.at(-1)?.id ?? 0
    return rows
  }

  /** The rows were written: delete them (only after the write succeeded). */
  async done(rows: readonly OutboxRow[]): Promise<void> {
    const first = rows[0]
    const last = rows.at(-1)
    if (!first || !last) return
    // a taken batch is contiguous in id order, and new rows only get larger ids
    // read the depth after the removal: `#depth -= await …` would read it before, and lose the
    // lines prepared meanwhile (a telemetry batch filling the outbox while PostgreSQL answers)
    const removed = await this.#repo.remove(first.id, last.id)
    this.#depth -= removed
    this.#refreshOldest()
  }

  /** The writer gave up on this attempt; the rows stay and may be dropped by the limit again. */
  release(): void {
    this.#inflightThrough = 0
  }

  /** A write that will never succeed (a 4xx on a single line): keep the line apart and report it. */
  async setAside(
    rows: readonly OutboxRow[],
    status: number | undefined,
    reason: string,
    at: number,
  ): Promise<void> {
    const moved = await this.#repo.setAside(
      rows.map((r) => r.id),
      status,
      reason,
      at,
    )
    this.#depth -= moved
    this.#rejected += moved
    this.#refreshOldest()
  }

  /** The time of the newest alarm entry already queued (history recovery). */
  cursor(): Promise<number | undefined> {
    return this.#repo.cursor()
  }

  advanceCursor(at: number): Promise<void> {
    return this.#repo.advanceCursor(at)
  }

  /** An elder's erasure removed their points, in its own transaction. */
  purged(purged: Purged): void {
    this.#depth -= purged.waiting
    this.#rejected -= purged.rejected
    this.#refreshOldest()
  }

  /** Rows went from the head or the middle: ask again when the oldest waiting one was queued. */
  #refreshOldest(): void {
    const asked = ++this.#oldestAsked
    if (this.#depth <= 0) {
      this.#oldestAt = undefined
      return
    }
    this.#repo.oldestAt().then(
      (at) => {
        if (asked === this.#oldestAsked) this.#oldestAt = at
      },
      // the lag stays as last read; the next change asks again
      () => undefined,
    )
  }
}
