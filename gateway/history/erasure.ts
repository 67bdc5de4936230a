import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { Store } from '../store/db.ts'
import type { Outbox } from './outbox.ts'
import type { PointClass } from './schema.ts'
import type { HistoryWriter } from './writer.ts'

/**
 * What an elder's erasure removes from history: where they were, their
 * body's readings and their device's status. Alarm and response points stay
 * (the bureau's figures); after the erasure their elder tag is an id the
 * registry no longer holds, as the store's closed alarms are pseudonymised.
 */
export const erasedClasses: readonly PointClass[] = ['position', 'vitals', 'status']
export const erasedMeasurements = ['position', 'vitals', 'device_status'] as const

export interface EraseTarget {
  url: string
  token?: string | undefined
  org?: string | undefined
  bucket?: string | undefined
}

export interface ErasureHealth {
  /** Erasures not yet confirmed by the TSDB (it is down, or refused). */
  pending: number
  /** Erasures the TSDB has no API for: an operator deletes those series by hand (docs/history.md). */
  manual: number
}

type Outcome = 'done' | 'unsupported'

export interface EraserDeps {
  store: Store
  outbox: Outbox
  writer: HistoryWriter
  target: EraseTarget
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
}

const RETRY_KEY = 'history:erase'
const DAY_MS = 86_400_000

/**
 * Carries an elder's erasure (PIPL) into the time-series history. The outbox
 * rows are purged in the erasure's own transaction, together with a durable
 * job; the job then deletes the series already written — through the v2
 * delete API (InfluxDB 2.x, 1.8+), else VictoriaMetrics' delete API — after
 * the batch in flight, retried with backoff until the server confirms.
 */
export class HistoryEraser {
  readonly #d: EraserDeps
  #running: Promise<void> | undefined
  #failures = 0
  #stopped = true

  constructor(deps: EraserDeps) {
    this.#d = deps
  }

  /** In the caller's transaction: purge the waiting points and record the job. Returns points purged. */
  prepare(elderId: string): number {
    const { store, outbox, clock } = this.#d
    return store.tx(() => {
      const purged = outbox.purge(erasedClasses, `elder=${elderId}`)
      store.db
        .prepare(
          `INSERT INTO history_erasures (elder_id, requested_at, attempts, status) VALUES (?, ?, 0, 'pending')
           ON CONFLICT(elder_id) DO UPDATE SET requested_at = excluded.requested_at, status = 'pending'`,
        )
        .run(elderId, clock.now())
      return purged
    })
  }

  start(): void {
    this.#stopped = false
    this.kick()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#d.scheduler.cancel(RETRY_KEY)
    await this.#running
  }

  kick(): void {
    if (this.#stopped || this.#running) return
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
    })
  }

  /** Resolves when no job is being worked on; for tests. */
  async settled(): Promise<void> {
    for (let running = this.#running; running !== undefined; running = this.#running) await running
  }

  health(): ErasureHealth {
    const rows = this.#d.store.db
      .prepare('SELECT status, count(*) AS n FROM history_erasures GROUP BY status')
      .all() as { status: string; n: number }[]
    const of = (status: string) => rows.find((r) => r.status === status)?.n ?? 0
    return { pending: of('pending'), manual: of('manual') }
  }

  async #drain(): Promise<void> {
    const { store, log, metrics, writer } = this.#d
    for (;;) {
      if (this.#stopped) return
      const job = store.db
        .prepare(
          "SELECT elder_id FROM history_erasures WHERE status = 'pending' ORDER BY requested_at LIMIT 1",
        )
        .get() as { elder_id: string } | undefined
      if (!job) return
      // a batch taken before the purge may still carry the elder's points: delete after it lands
      await writer.settled()
      let outcome: Outcome
      try {
        outcome = await this.#eraseSeries(job.elder_id)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        store.db
          .prepare('UPDATE history_erasures SET attempts = attempts + 1, last_error = ? WHERE elder_id = ?')
          .run(message.slice(0, 500), job.elder_id)
        metrics.inc('care_history_erasure_failures_total')
        this.#retryLater(message)
        return
      }
      this.#failures = 0
      if (outcome === 'done') {
        store.db.prepare('DELETE FROM history_erasures WHERE elder_id = ?').run(job.elder_id)
        metrics.inc('care_history_erasures_total')
        log.info({ elder: job.elder_id }, 'elder’s series deleted from the TSDB')
      } else {
        store.db.prepare("UPDATE history_erasures SET status = 'manual' WHERE elder_id = ?").run(job.elder_id)
        log.warn(
          { elder: job.elder_id },
          'the TSDB has no delete API: delete this elder’s position, vitals and device_status series by hand',
        )
      }
    }
  }

  #retryLater(reason: string): void {
    const { scheduler, clock, log } = this.#d
    this.#failures += 1
    const delay = Math.min(3_600_000, 5_000 * 2 ** Math.min(this.#failures - 1, 20))
    if (this.#failures === 1 || this.#failures % 10 === 0)
      log.warn({ failures: this.#failures, delayMs: delay, err: reason }, 'history erasure failed; retrying')
    scheduler.at(RETRY_KEY, clock.now() + delay, () => this.kick())
  }

  async #eraseSeries(elderId: string): Promise<Outcome> {
    const { target, clock } = this.#d
    const base = target.url.replace(/\/+$/, '')
    const auth: Record<string, string> = target.token ? { authorization: `Token ${target.token}` } : {}
    const query = new URLSearchParams({ org: target.org ?? '', bucket: target.bucket ?? 'care' })
    const stop = new Date(clock.now() + DAY_MS).toISOString()
    for (const measurement of erasedMeasurements) {
      // ids are [A-Za-z0-9_-] (contract), so they need no quoting inside the predicate
      const res = await fetch(`${base}/api/v2/delete?${query}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          start: '1970-01-01T00:00:00Z',
          stop,
          predicate: `_measurement="${measurement}" AND elder="${elderId}"`,
        }),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await res.text()
      if (res.ok) continue
      if (res.status === 404 || /unsupported path/.test(text)) return this.#eraseVictoria(base, auth, elderId)
      throw new Error(`delete ${measurement}: ${res.status} ${text.slice(0, 200)}`)
    }
    return 'done'
  }

  /** VictoriaMetrics names a line-protocol series `<measurement>_<field>`. */
  async #eraseVictoria(base: string, auth: Record<string, string>, elderId: string): Promise<Outcome> {
    const match = `{__name__=~"(${erasedMeasurements.join('|')})_.+",elder="${elderId}"}`
    const res = await fetch(`${base}/api/v1/admin/tsdb/delete_series`, {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ 'match[]': match }),
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    if (res.ok) return 'done'
    if (res.status === 404 || /unsupported path/.test(text)) return 'unsupported'
    throw new Error(`delete_series: ${res.status} ${text.slice(0, 200)}`)
  }
}
