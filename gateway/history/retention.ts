import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'

export interface RetentionOptions {
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  days: number
  /** Deletes positions and vitals received before the given time; returns how many rows went. */
  prune: (before: number) => Promise<number>
  everyMs?: number
}

const KEY = 'history:retention'

/**
 * Embedded history keeps positions and vitals for `CARE_RETENTION_DAYS`
 * (default 30). A pass runs at start and then every hour on the
 * injected scheduler, so a test moves 31 days in microseconds.
 */
export class Retention {
  readonly #o: RetentionOptions
  readonly #everyMs: number

  constructor(options: RetentionOptions) {
    this.#o = options
    this.#everyMs = options.everyMs ?? 3_600_000
  }

  start(): void {
    void this.run()
  }

  stop(): void {
    this.#o.scheduler.cancel(KEY)
  }

  /** One pass; the next is armed first, so a scheduler moved by days runs every pass on the way. */
  async run(): Promise<number> {
    const { clock, scheduler, log, metrics, days, prune } = this.#o
    const before = clock.now() - days * 86_400_000
    // the pass is the task's promise: a scheduler moved by days waits for each pass on the way
    scheduler.at(KEY, clock.now() + this.#everyMs, () => this.run())
    try {
      const removed = await prune(before)
      if (removed > 0) metrics.inc('care_history_pruned_total', undefined, removed)
      return removed
    } catch (error) {
      log.error({ err: error }, 'retention pass failed')
      return 0
    }
  }
}
