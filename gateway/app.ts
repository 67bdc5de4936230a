import type { FastifyInstance } from 'fastify'
import { createLogger, type Logger } from '../kernel/observe/log.ts'
import { Metrics } from '../kernel/observe/metrics.ts'
import { type Clock, systemClock } from '../kernel/ports/clock.ts'
import { type Ids, randomIds } from '../kernel/ports/ids.ts'
import { type Scheduler, TimerScheduler } from '../kernel/ports/scheduler.ts'
import type { Health } from './api/context.ts'
import type { Config } from './config.ts'
import { type DispatchRules, defaultRules } from './dispatch/types.ts'
import type { HistoryTuning } from './history/setup.ts'
import type { Surface } from './surface.ts'
import { perGrade } from './visits/plan.ts'
import { type Parts, wire } from './wire.ts'

export interface AppOptions {
  config: Config
  clock?: Clock
  /** Tests pass a ManualScheduler to move time without sleeping. */
  scheduler?: Scheduler
  ids?: Ids
  log?: Logger
  rules?: Partial<DispatchRules>
  /** History batch size, backoff, or a stand-in for InfluxDB (tests, benchmarks). */
  history?: Partial<HistoryTuning>
}

export interface StartReport {
  bootMs: number
  restoredAlarms: number
  armedDeadlines: number
  adminToken?: string
}

/**
 * The gateway: built from its configuration, started, stopped. `start()`
 * has the composition root (gateway/wire.ts) build every part once, in an
 * order where each finds what it needs already made; `stop()` undoes it.
 * Tests and benchmarks see it through `surface`, nothing else.
 */
export class App {
  readonly config: Config
  readonly log: Logger
  readonly #clock: Clock
  readonly #metrics = new Metrics()
  readonly #rules: DispatchRules
  readonly #options: AppOptions
  #parts: Parts | undefined
  #ownScheduler: TimerScheduler | undefined
  #startedAt = 0

  constructor(options: AppOptions) {
    this.#options = options
    this.config = options.config
    this.#clock = options.clock ?? systemClock
    this.log = options.log ?? createLogger(options.config.logLevel)
    this.#rules = {
      ...defaultRules,
      offerTimeoutMs: options.config.offerTimeoutS * 1000,
      offerTimeoutLowMs: options.config.offerTimeoutLowS * 1000,
      responseMin: perGrade(options.config.responseMin),
      ...options.rules,
    }
  }

  async start(): Promise<StartReport> {
    const t0 = performance.now()
    const clock = this.#clock
    this.#startedAt = clock.now()
    const scheduler = this.#options.scheduler ?? this.#timers()
    const parts = await wire({
      config: this.config,
      clock,
      scheduler,
      ids: this.#options.ids ?? randomIds,
      log: this.log,
      metrics: this.#metrics,
      rules: this.#rules,
      history: this.#options.history,
      health: () => this.#health(),
    })
    this.#parts = parts
    const report: StartReport = {
      bootMs: Math.round(performance.now() - t0),
      restoredAlarms: parts.restored.open,
      armedDeadlines: parts.restored.armed,
    }
    if (parts.adminToken) report.adminToken = parts.adminToken
    this.log.info(
      { ...report, adminToken: undefined, http: httpPortOf(parts.http), mqtt: parts.broker.ports.mqtt },
      'care gateway started',
    )
    return report
  }

  async stop(): Promise<void> {
    const p = this.#parts
    this.#parts = undefined
    this.#ownScheduler?.stop()
    if (p) await p.stop()
    this.#metrics.stop()
  }

  get httpPort(): number {
    return this.#parts ? httpPortOf(this.#parts.http) : 0
  }

  get mqttPort(): number | undefined {
    return this.#parts?.broker.ports.mqtt
  }

  get mqttsPort(): number | undefined {
    return this.#parts?.broker.ports.mqtts
  }

  get watchPort(): number | undefined {
    return this.#parts?.watches?.port
  }

  /** What tests and benchmarks may see and do (gateway/surface.ts). */
  get surface(): Surface {
    const p = this.#need()
    const metrics = this.#metrics
    return {
      httpPort: httpPortOf(p.http),
      ports: p.watches?.port === undefined ? p.broker.ports : { ...p.broker.ports, watch: p.watches.port },
      inject: (options) => p.http.inject(options),
      routes: () => p.http.routeTable,
      health: () => this.#health(),
      metrics: { get: (name, labels) => metrics.get(name, labels), total: (name) => metrics.total(name) },
      connections: () => p.broker.connections,
      watches: () => ({ sockets: p.watches?.connections ?? 0, devices: p.watches?.devices ?? 0 }),
      carer: (id) => p.carers.get(id),
      publish: (topic, message, options) => p.broker.publish(topic, message, options),
      verifyPrincipal: (username, password) => p.registry.verifyPrincipal(username, password),
      live: p.live,
      get lanes() {
        return p.cluster?.lanes.held
      },
      history: { influx: p.history.influx, eraser: p.history.eraser },
      flows: {
        get ready() {
          return p.flowsReady
        },
        get startedMs() {
          return p.flows.startedMs
        },
      },
    }
  }

  async #health(): Promise<Health> {
    const p = this.#need()
    // a store that is away answers nothing: the health says so rather than failing
    const byState = await p.alarms.openByState().catch(() => ({}) as Record<string, number>)
    const history = p.history.influx
    const store = await p.store.health()
    return {
      // a node that cannot store answers 503, so a load balancer checking it sends no one there
      status: store.status === 'up' ? 'ok' : 'degraded',
      broker: { status: 'up', connections: p.broker.connections },
      store,
      history: history
        ? { ...history.health(), erasures: p.history.eraser?.health() ?? { pending: 0, manual: 0 } }
        : { status: 'embedded' },
      flows: p.flows.health(),
      uptimeS: Math.round((this.#clock.now() - this.#startedAt) / 1000),
      openAlarms: Object.values(byState).reduce((sum, n) => sum + n, 0),
      carersOnDuty: p.carers.onDutyCount(),
      timers: p.scheduler.size(),
      ...(p.cluster
        ? {
            cluster: {
              node: p.cluster.lanes.node,
              nodes: p.cluster.lanes.nodes,
              lanes: p.cluster.lanes.held.size,
            },
          }
        : {}),
    }
  }

  #timers(): TimerScheduler {
    const metrics = this.#metrics
    const log = this.log
    this.#ownScheduler = new TimerScheduler(this.#clock, (key, error) => {
      metrics.inc('care_timer_errors_total')
      log.error({ err: error, timer: key }, 'deadline task failed')
    })
    return this.#ownScheduler
  }

  #need(): Parts {
    if (!this.#parts) throw new Error('the gateway is not started')
    return this.#parts
  }
}

function httpPortOf(http: FastifyInstance): number {
  const address = http.server.address()
  return typeof address === 'object' && address ? address.port : 0
}
