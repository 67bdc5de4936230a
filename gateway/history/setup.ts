import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { AlarmFeed } from '../alarms/feed.ts'
import type { AlarmRepository } from '../alarms/ports.ts'
import type { Config } from '../config.ts'
import type { TelemetryWriter } from '../telemetry/positions.ts'
import { HistoryEraser } from './erasure.ts'
import { InfluxHistory } from './history.ts'
import { InfluxSink, routeClientLog } from './influx.ts'
import { Outbox } from './outbox.ts'
import type { ErasureJobRepository, OutboxRepository } from './ports.ts'
import { linesSince } from './recover.ts'
import { Retention } from './retention.ts'
import type { Subject } from './schema.ts'
import type { LineSink } from './sink.ts'
import { HistoryWriter } from './writer.ts'

/** Knobs tests and the benchmark turn; production uses the defaults. */
export interface HistoryTuning {
  batch: number
  backoffBaseMs: number
  backoffMaxMs: number
  random?: () => number
  /** Replaces the InfluxDB client (tests of failure handling). */
  sink?: LineSink
}

export const defaultTuning: HistoryTuning = { batch: 5_000, backoffBaseMs: 1_000, backoffMaxMs: 60_000 }

export interface HistoryParts {
  config: Config
  /** The outbox and the erasure jobs, used only with CARE_INFLUX_URL. */
  outbox: OutboxRepository
  erasureJobs: ErasureJobRepository
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  telemetry: TelemetryWriter
  /** The alarm wing's news, and its entries since a time (a crash between commit and outbox). */
  feed: AlarmFeed
  alarms: Pick<AlarmRepository, 'entriesSince'>
  deviceSubject: (deviceId: string) => Subject | undefined
  elderGrid: (elderId: string) => readonly string[]
  tuning?: Partial<HistoryTuning> | undefined
  /**
   * Cluster mode: whether this node runs a job of the whole cluster now (draining the outbox,
   * carrying erasures, pruning): one node does, the holder of the job's lane. The others fill the
   * outbox; the draining node looks for their rows every second.
   */
  runs?: ((job: string) => boolean) | undefined
}

const POLL_KEY = 'history:poll'
const POLL_MS = 1_000

export interface History {
  /** Present only when CARE_INFLUX_URL is set. */
  influx: InfluxHistory | undefined
  /** Carries elders' erasures into the TSDB; present only when CARE_INFLUX_URL is set. */
  eraser: HistoryEraser | undefined
  retention: Retention
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * Builds history as configured: always the embedded retention window over
 * positions and vitals; with CARE_INFLUX_URL also the outbox, its writer and
 * the feeds from telemetry, device status and the alarm feed.
 */
export function createHistory(p: HistoryParts): History {
  const { config, clock, scheduler, metrics } = p
  const log = p.log
  const runs = p.runs ?? (() => true)
  const retention = new Retention({
    clock,
    scheduler,
    log,
    metrics,
    days: config.retentionDays,
    prune: (before) => (runs('history:retention') ? p.telemetry.prune(before) : Promise.resolve(0)),
  })
  let influx: InfluxHistory | undefined
  let unsubscribe: (() => void) | undefined
  if (config.influxUrl) {
    const tuning = { ...defaultTuning, ...p.tuning }
    const outbox = new Outbox(p.outbox, metrics, config.historyOutboxLimit)
    const sink =
      tuning.sink ??
      new InfluxSink({
        url: config.influxUrl,
        token: config.influxToken,
        org: config.influxOrg,
        bucket: config.influxBucket,
        maxBatch: tuning.batch,
      })
    const writer = new HistoryWriter({
      outbox,
      sink,
      clock,
      scheduler,
      log,
      metrics,
      batch: tuning.batch,
      backoffBaseMs: tuning.backoffBaseMs,
      backoffMaxMs: tuning.backoffMaxMs,
      ...(tuning.random ? { random: tuning.random } : {}),
      mayDrain: () => runs('history:outbox'),
    })
    influx = new InfluxHistory({
      outbox,
      writer,
      clock,
      log,
      metrics,
      deviceSubject: p.deviceSubject,
      elderGrid: p.elderGrid,
      recovery: {
        linesSince: (since) => linesSince(p.alarms, since, p.elderGrid),
      },
    })
    const eraser = new HistoryEraser({
      jobs: p.erasureJobs,
      writer,
      target: {
        url: config.influxUrl,
        token: config.influxToken,
        org: config.influxOrg,
        bucket: config.influxBucket,
      },
      clock,
      scheduler,
      log,
      metrics,
      mayRun: () => runs('history:erasures'),
    })
    const target = influx
    // cluster mode: the rows other nodes added are found by the one that drains
    const poll = () => {
      writer.kick()
      eraser.kick()
      scheduler.at(POLL_KEY, clock.now() + POLL_MS, poll)
    }
    p.telemetry.historyTo(target.telemetry)
    unsubscribe = p.feed.subscribe('history', (alarm, entry) => target.alarm(alarm, entry))
    const stopSink = () => sink.close()
    return {
      influx,
      eraser,
      retention,
      async start() {
        if (!tuning.sink) routeClientLog(log)
        retention.start()
        await target.start()
        eraser.start()
        if (p.runs) scheduler.at(POLL_KEY, clock.now() + POLL_MS, poll)
      },
      async stop() {
        scheduler.cancel(POLL_KEY)
        unsubscribe?.()
        retention.stop()
        await eraser.stop()
        await target.stop()
        await stopSink()
      },
    }
  }
  return {
    influx,
    eraser: undefined,
    retention,
    start: async () => retention.start(),
    stop: async () => retention.stop(),
  }
}
