import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { ErasureJobRepository } from './ports.ts'
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
  jobs: ErasureJobRepository
  writer: HistoryWriter
  target: EraseTarget
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  /** Cluster mode: whether this node carries the cluster's erasures now (one node does). */
  mayRun?: () => boolean
}

const RETRY_KEY = 'history:erase'
const DAY_MS = 86_400_000

/**
 * Carries an elder's erasure (PIPL) into the time-series history. The outbox
 * rows are purged in the erasure's own transaction, together with a durable
 * job (PrivacyRepository.eraseElder); the job then deletes the series already
 * written — through the v2 delete API (InfluxDB 2.x, 1.8+), else
 * VictoriaMetrics' delete API — after the batch in flight, retried with
 * backoff until the server confirms. The jobs are held in memory, oldest
 * request first, as the repository listed them when last kicked.
 */
export class HistoryEraser {
  readonly #d: EraserDeps
  /** Pending jobs by elder, oldest request first. */
  readonly #pending = new Map<string, number>()
  readonly #manual = new Set<string>()
  #running: Promise<void> | undefined
  /** The jobs are to be read again before the drain rests. */
  #again = false
  #failures = 0
  #stopped = true

  constructor(deps: EraserDeps) {
    this.#d = deps
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

  /** A job was recorded (an erasure committed), or a retry is due: read the jobs again and work them off. */
  kick(): void {
    if (this.#stopped || this.#d.mayRun?.() === false) return
    this.#again = true
    if (this.#running !== undefined) return
    this.#running = this.#drain()
      .catch((error: unknown) => {
        // the store refused to record an outcome: the job is still there, try again later
        this.#d.log.error({ err: error }, 'history erasure job not updated')
        this.#retryLater(String(error))
      })
      .finally(() => {
        this.#running = undefined
      })
  }

  /** Resolves when no job is being worked on; for tests. */
  async settled(): Promise<void> {
    for (let running = this.#running; running !== undefined; running = this.#running) await running
  }

  health(): ErasureHealth {
    return { pending: this.#pending.size, manual: this.#manual.size }
  }

  async #drain(): Promise<void> {
    const { jobs, log, metrics, writer } = this.#d
    for (;;) {
      if (this.#stopped) return
      if (this.#again) {
        this.#again = false
        await this.#load()
      }
      const elderId = this.#pending.keys().next().value
      if (elderId === undefined && this.#again) continue
      if (elderId === undefined) return
      // a batch taken before the purge may still carry the elder's points: delete after it lands
      await writer.settled()
      let outcome: Outcome
      try {
        outcome = await this.#eraseSeries(elderId)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        metrics.inc('care_history_erasure_failures_total')
        await jobs.failed(elderId, message)
        this.#retryLater(message)
        return
      }
      this.#failures = 0
      this.#pending.delete(elderId)
      if (outcome === 'done') {
        await jobs.done(elderId)
        metrics.inc('care_history_erasures_total')
        log.info({ elder: elderId }, 'elder’s series deleted from the TSDB')
      } else {
        this.#manual.add(elderId)
        await jobs.manual(elderId)
        log.warn(
          { elder: elderId },
          'the TSDB has no delete API: delete this elder’s position, vitals and device_status series by hand',
        )
      }
    }
  }

  async #load(): Promise<void> {
    const jobs = await this.#d.jobs.list()
    this.#pending.clear()
    this.#manual.clear()
    for (const job of jobs) {
      if (job.status === 'manual') this.#manual.add(job.elderId)
      else this.#pending.set(job.elderId, job.requestedAt)
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
