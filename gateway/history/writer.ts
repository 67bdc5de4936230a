import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { Outbox, OutboxRow } from './outbox.ts'
import { type LineSink, SinkError, verdict } from './sink.ts'

export interface WriterOptions {
  outbox: Outbox
  sink: LineSink
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  batch: number
  backoffBaseMs: number
  backoffMaxMs: number
  /** In [0, 1); injected so the jitter is testable. */
  random?: () => number
  /** Cluster mode: whether this node drains now (one node of the cluster does; docs/cluster.md). */
  mayDrain?: () => boolean
}

export type WriterState = 'idle' | 'writing' | 'backoff'

const RETRY_KEY = 'history:retry'

/**
 * Drains the outbox into the sink in batches, one batch at a time. A row is
 * deleted only after its batch is written. On failure it waits with
 * exponential backoff and full jitter (many gateways coming back after one
 * InfluxDB outage must not arrive together), timed by the injected scheduler.
 */
export class HistoryWriter {
  readonly #o: WriterOptions
  readonly #random: () => number
  #state: WriterState = 'idle'
  #failures = 0
  #again = false
  #running: Promise<void> | undefined
  #stopped = true
  lastError: string | undefined
  lastSuccessAt: number | undefined

  constructor(options: WriterOptions) {
    this.#o = options
    this.#random = options.random ?? Math.random
  }

  get state(): WriterState {
    return this.#state
  }

  /** Consecutive failed attempts (0 when the last write succeeded). */
  get failures(): number {
    return this.#failures
  }

  start(): void {
    this.#stopped = false
    this.kick()
  }

  /** Stop after the batch in flight; rows not written stay for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#o.scheduler.cancel(RETRY_KEY)
    await this.#running
  }

  /** New rows arrived, or the retry deadline passed: drain unless already draining or backing off. */
  kick(): void {
    if (this.#stopped) return
    // rows added while a take was being answered: the drain takes once more before it rests
    if (this.#state === 'writing') this.#again = true
    if (this.#state !== 'idle') return
    this.#running = this.#drain()
  }

  /** Resolves when the outbox is empty or the writer is backing off; for tests and the benchmark. */
  async settled(): Promise<void> {
    for (;;) {
      const running = this.#running
      if (running === undefined) return
      await running
      // a retry or new rows may have started another drain meanwhile
      if (this.#running === running) return
    }
  }

  async #drain(): Promise<void> {
    this.#state = 'writing'
    try {
      for (;;) {
        if (this.#stopped || this.#o.mayDrain?.() === false) break
        this.#again = false
        const rows = await this.#o.outbox.take(this.#o.batch)
        if (rows.length === 0 && this.#again) continue
        if (rows.length === 0) break
        const ok = await this.#write(rows)
        if (!ok) {
          this.#backoff()
          return
        }
      }
    } finally {
      this.#o.outbox.release()
      if (this.#state === 'writing') this.#state = 'idle'
    }
  }

  /** Write rows; a batch the server calls malformed is halved until the bad line is alone. */
  async #write(rows: OutboxRow[]): Promise<boolean> {
    const { sink, outbox, metrics, clock } = this.#o
    try {
      await sink.write(rows.map((r) => r.line))
    } catch (error) {
      const failure = error instanceof SinkError ? error : new SinkError(String(error))
      this.lastError = failure.status ? `${failure.status} ${failure.message}` : failure.message
      if (verdict(failure) === 'retry') {
        metrics.inc('care_history_write_failures_total', { status: String(failure.status ?? 'network') })
        this.#retryAfterMs = failure.retryAfterMs
        return false
      }
      if (rows.length === 1) {
        await outbox.setAside(rows, failure.status, failure.message, clock.now())
        metrics.inc('care_history_points_rejected_total', { measurement: rows[0]?.cls ?? 'unknown' })
        this.#o.log.error(
          { status: failure.status, line: rows[0]?.line.slice(0, 200) },
          'history point refused',
        )
        return true
      }
      const half = rows.length >> 1
      return (await this.#write(rows.slice(0, half))) && (await this.#write(rows.slice(half)))
    }
    await outbox.done(rows)
    metrics.inc('care_history_points_written_total', undefined, rows.length)
    if (this.#failures > 0) metrics.inc('care_history_points_retried_total', undefined, rows.length)
    this.#failures = 0
    this.lastSuccessAt = clock.now()
    return true
  }

  #retryAfterMs: number | undefined

  #backoff(): void {
    const { backoffBaseMs, backoffMaxMs, scheduler, clock, log } = this.#o
    this.#failures += 1
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(this.#failures - 1, 30))
    // full jitter, but never sooner than the server asked (429/503 Retry-After)
    const delay = Math.max(this.#retryAfterMs ?? 0, Math.round(this.#random() * ceiling))
    this.#retryAfterMs = undefined
    this.#state = 'backoff'
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      log.warn(
        { failures: this.#failures, delayMs: delay, err: this.lastError },
        'history write failed; retrying',
      )
    }
    scheduler.at(RETRY_KEY, clock.now() + delay, () => {
      this.#state = 'idle'
      this.kick()
    })
  }

  /** Milliseconds until the next attempt, when backing off. */
  retryInMs(): number | undefined {
    const due = this.#o.scheduler.dueAt(RETRY_KEY)
    return due === undefined ? undefined : Math.max(0, due - this.#o.clock.now())
  }
}
