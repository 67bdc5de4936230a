import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Alarm, TimelineEntry } from '../alarms/model.ts'
import type { BatchHistory } from '../telemetry/positions.ts'
import { type ErasureHealth, erasedClasses } from './erasure.ts'
import { carriesTag, type Point, toLine } from './line.ts'
import type { Outbox } from './outbox.ts'
import type { OutboxLine, Purged } from './ports.ts'
import {
  alarmEventPoint,
  type PointClass,
  positionPoint,
  responsePoint,
  type StatusReading,
  type Subject,
  statusPoint,
  vitalsPoint,
} from './schema.ts'
import type { HistoryWriter } from './writer.ts'

export interface HistoryDeps {
  outbox: Outbox
  writer: HistoryWriter
  clock: Clock
  log: Logger
  metrics: Metrics
  /** Who a device belongs to and where: from the registry. */
  deviceSubject: (deviceId: string) => Subject | undefined
  elderGrid: (elderId: string) => readonly string[]
  /** Absent in the benchmark, which has no alarms. */
  recovery?: {
    /** Alarm entry lines at or after a time, from the store's timelines. */
    linesSince: (since: number) => Promise<{ cls: PointClass; line: string; at: number }[]>
  }
}

export interface HistoryHealth {
  status: 'up' | 'down'
  outbox: { depth: number; limit: number; lagMs: number }
  written: number
  dropped: number
  rejected: number
  failures: number
  lastError?: string
  /** Elders' erasures still to be carried into the TSDB. */
  erasures?: ErasureHealth
}

interface Pending extends OutboxLine {
  /** An alarm entry's time, for the cursor. */
  at?: number
}

/** A registry answer stays this long, so a flush of 1,000 fixes costs a few lookups, not 2,000. */
const SUBJECT_TTL_MS = 60_000

/**
 * History sent to InfluxDB through the outbox. Telemetry arrives in the
 * telemetry writer's batches (inside its transaction); alarm entries and
 * device status are only buffered when they happen and reach the outbox on
 * the next turn of the event loop, so the SOS path does no history I/O
 * (STYLE 10: an isolated listener, never in dispatch's way).
 */
export class InfluxHistory {
  readonly #d: HistoryDeps
  readonly #subjects = new Map<string, { subject: Subject | undefined; at: number }>()
  #pending: Pending[] = []
  #flushQueued: NodeJS.Immediate | undefined

  constructor(deps: HistoryDeps) {
    this.#d = deps
  }

  async start(): Promise<void> {
    await this.#d.outbox.start(() => queueMicrotask(() => this.#d.writer.kick()))
    await this.#requeue().catch((error: unknown) => {
      this.#d.log.error({ err: error }, 'alarm entries not re-queued for history')
    })
    this.#d.metrics.gauge('care_history_outbox_depth', () => this.#d.outbox.depth)
    this.#d.writer.start()
  }

  async stop(): Promise<void> {
    if (this.#flushQueued) clearImmediate(this.#flushQueued)
    await this.flush()
    await this.#d.writer.stop()
  }

  /** The telemetry writer's batches: their points are stored in the batch's own transaction. */
  readonly telemetry: BatchHistory = {
    lines: (positions, vitals) => {
      const points: Pending[] = []
      for (const row of positions) this.#push(points, 'position', row.deviceId, (s) => positionPoint(row, s))
      for (const row of vitals) this.#push(points, 'vitals', row.deviceId, (s) => vitalsPoint(row, s))
      return points.length === 0 ? undefined : this.#d.outbox.prepare(points, this.#d.clock.now())
    },
    committed: (append, result) => this.#d.outbox.committed(append, result),
    failed: (append) => this.#d.outbox.failed(append),
  }

  status(deviceId: string, status: StatusReading, at: number): void {
    this.#push(this.#pending, 'status', deviceId, (s) => statusPoint(status, at, s))
    this.#queueFlush()
  }

  /** An AlarmJournal listener: the entry is buffered here, written to the outbox on the next turn. */
  alarm(alarm: Readonly<Alarm>, entry: Readonly<TimelineEntry>): void {
    const s: Subject = { grid: this.#d.elderGrid(alarm.elderId) }
    const event = toLine(alarmEventPoint(alarm, entry, s))
    if (event) this.#pending.push({ cls: 'alarm', line: event, at: entry.at })
    const response = responsePoint(alarm, entry, s)
    const line = response && toLine(response)
    if (line) this.#pending.push({ cls: 'response', line, at: entry.at })
    this.#queueFlush()
  }

  /** The registry changed a device: tag its next points with its new elder and place. */
  forget(deviceId: string): void {
    this.#subjects.delete(deviceId)
  }

  /**
   * An elder was erased: their points still buffered here are dropped (those already in the
   * outbox went in the erasure's own transaction).
   */
  forgetElder(elderId: string): void {
    const tag = `elder=${elderId}`
    this.#pending = this.#pending.filter((p) => !(erasedClasses.includes(p.cls) && carriesTag(p.line, tag)))
  }

  /** The same erasure's transaction purged the elder's points from the outbox: count them gone. */
  purged(purged: Purged): void {
    this.#d.outbox.purged(purged)
  }

  /** Move buffered alarm and status points into the outbox. */
  async flush(): Promise<void> {
    this.#flushQueued = undefined
    if (this.#pending.length === 0) return
    const pending = this.#pending
    this.#pending = []
    let newest: number | undefined
    for (const p of pending) if (p.at !== undefined && (newest === undefined || p.at > newest)) newest = p.at
    try {
      // the alarm cursor moves with the alarm points (history recovery)
      await this.#d.outbox.add(pending, this.#d.clock.now(), this.#d.recovery ? newest : undefined)
    } catch (error) {
      // the store refused: keep them for the next turn rather than lose an alarm point
      this.#pending = pending.concat(this.#pending)
      this.#d.metrics.inc('care_history_outbox_errors_total')
      this.#d.log.error({ err: error, points: pending.length }, 'history points not queued')
    }
  }

  health(): HistoryHealth {
    const { outbox, writer, metrics, clock } = this.#d
    const oldest = outbox.depth > 0 ? outbox.oldestAt() : undefined
    const h: HistoryHealth = {
      status: writer.state === 'backoff' ? 'down' : 'up',
      outbox: {
        depth: outbox.depth,
        limit: outbox.limit,
        lagMs: oldest === undefined ? 0 : clock.now() - oldest,
      },
      written: metrics.total('care_history_points_written_total'),
      dropped: metrics.total('care_history_points_dropped_total'),
      rejected: outbox.rejected,
      failures: writer.failures,
    }
    if (writer.lastError !== undefined && writer.failures > 0) h.lastError = writer.lastError
    return h
  }

  /** Alarm entries committed after the cursor never reached the outbox (a crash): queue them now. */
  async #requeue(): Promise<void> {
    const { recovery, outbox, clock } = this.#d
    if (!recovery) return
    const since = await outbox.cursor()
    if (since === undefined) {
      // first start with InfluxDB: history begins now, the past is not replayed
      await outbox.advanceCursor(clock.now())
      return
    }
    const lines = await recovery.linesSince(since)
    if (lines.length === 0) return
    const newest = lines.reduce((max, l) => (l.at > max ? l.at : max), 0)
    await outbox.add(lines, clock.now(), newest)
    this.#d.metrics.inc('care_history_points_requeued_total', undefined, lines.length)
    this.#d.log.info({ points: lines.length, since }, 'alarm entries re-queued for history')
  }

  #queueFlush(): void {
    this.#flushQueued ??= setImmediate(() => void this.flush())
  }

  #push(into: Pending[], cls: PointClass, deviceId: string, build: (s: Subject) => Point): void {
    const subject = this.#subject(deviceId)
    const line = toLine(build(subject ?? { deviceId, grid: [] }))
    if (line) into.push({ cls, line })
  }

  #subject(deviceId: string): Subject | undefined {
    const now = this.#d.clock.now()
    const known = this.#subjects.get(deviceId)
    if (known && now - known.at < SUBJECT_TTL_MS && now >= known.at) return known.subject
    const subject = this.#d.deviceSubject(deviceId)
    if (this.#subjects.size > 100_000) this.#subjects.clear()
    this.#subjects.set(deviceId, { subject, at: now })
    return subject
  }
}
