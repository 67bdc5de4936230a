import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Broker } from '../broker/broker.ts'
import type { AlarmEventMessage } from '../kernel/contract/payloads.ts'
import type { Principal } from '../kernel/contract/principal.ts'
import { filterCovers, type ParsedTopic, topics } from '../kernel/contract/topics.ts'
import { createLogger, type Logger } from '../kernel/observe/log.ts'
import { Metrics } from '../kernel/observe/metrics.ts'
import { type Clock, systemClock } from '../kernel/ports/clock.ts'
import { type Ids, randomIds } from '../kernel/ports/ids.ts'
import { type Scheduler, TimerScheduler } from '../kernel/ports/scheduler.ts'
import { AlarmJournal } from './alarms/journal.ts'
import type { Downlink } from './alarms/messages.ts'
import { defaultPriorities } from './alarms/priority.ts'
import { AlarmService } from './alarms/service.ts'
import { AlarmStore } from './alarms/store.ts'
import { Auth } from './api/auth.ts'
import { adminTokenHash } from './api/bootstrap.ts'
import type { ApiContext, Health } from './api/context.ts'
import { buildServer } from './api/server.ts'
import { CarerBook } from './carers/book.ts'
import type { Config } from './config.ts'
import { Dispatcher } from './dispatch/dispatcher.ts'
import { type DispatchRules, defaultRules } from './dispatch/types.ts'
import { Flows } from './flows/runtime.ts'
import { createHistory, type History, type HistoryTuning } from './history/setup.ts'
import { CarerIngest } from './ingest/carers.ts'
import { DeviceIngest } from './ingest/devices.ts'
import { LiveHub } from './live/hub.ts'
import { Audit } from './observe/audit.ts'
import { watchGauges } from './observe/gauges.ts'
import { Registry } from './registry/registry.ts'
import { StatsQueries } from './stats/queries.ts'
import { Store } from './store/db.ts'
import { TelemetryWriter } from './telemetry/positions.ts'
import { SilenceWatch } from './telemetry/silence.ts'

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
 * The composition root: the one place that builds the store, the broker,
 * the timers and the HTTP server, and wires the parts together. Nothing
 * happens until `start()`; `stop()` undoes it.
 */
export class App {
  readonly config: Config
  readonly clock: Clock
  readonly log: Logger
  readonly metrics = new Metrics()
  readonly rules: DispatchRules
  live!: LiveHub
  store!: Store
  registry!: Registry
  alarms!: AlarmService
  dispatcher!: Dispatcher
  carers!: CarerBook
  broker!: Broker
  http!: FastifyInstance
  scheduler!: Scheduler
  history!: History
  flows!: Flows
  /** Settles when the flows run or failed to; `start()` does not wait for it. */
  flowsReady: Promise<void> = Promise.resolve()
  #telemetry!: TelemetryWriter
  #ownScheduler: TimerScheduler | undefined
  #startedAt = 0
  #options: AppOptions

  constructor(options: AppOptions) {
    this.#options = options
    this.config = options.config
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? createLogger(options.config.logLevel)
    this.rules = {
      ...defaultRules,
      offerTimeoutMs: options.config.offerTimeoutS * 1000,
      offerTimeoutLowMs: options.config.offerTimeoutLowS * 1000,
      ...options.rules,
    }
  }

  get httpPort(): number {
    const address = this.http.server.address()
    return typeof address === 'object' && address ? address.port : 0
  }

  async start(): Promise<StartReport> {
    const t0 = performance.now()
    const { config, clock, log, metrics } = this
    this.#startedAt = clock.now()
    const onTaskError = (key: string, error: unknown) => {
      metrics.inc('care_timer_errors_total')
      log.error({ err: error, timer: key }, 'deadline task failed')
    }
    if (this.#options.scheduler) this.scheduler = this.#options.scheduler
    else {
      this.#ownScheduler = new TimerScheduler(clock, onTaskError)
      this.scheduler = this.#ownScheduler
    }

    const store = new Store(join(config.dataDir, 'care.db'))
    this.store = store
    store.open()
    const audit = new Audit(store, clock, log.child({ part: 'audit' }), metrics)
    const admin = adminTokenHash(store, config.adminToken)

    let deviceIngest: DeviceIngest | undefined
    const registry = new Registry(store, clock, {
      carerChanged: (carer) => this.carers.upsertProfile(carer),
      deviceChanged: (device) => {
        deviceIngest?.forget(device.id)
        this.history?.influx?.forget(device.id)
      },
    })
    this.registry = registry
    const auth = new Auth(store, registry, clock, admin.hash, (ended) => {
      const gone = new Set(ended)
      this.broker.disconnect((p) => p.session !== undefined && gone.has(p.session), 'session ended')
    })
    const alarmStore = new AlarmStore(store)
    const live = new LiveHub(clock)
    this.live = live
    const carers = new CarerBook({
      store,
      clock,
      scheduler: this.scheduler,
      rules: this.rules,
      onChange: (carer) => live.carer(carer),
    })
    this.carers = carers
    carers.load(
      registry.allCarers(),
      alarmStore.busyCarers(),
      alarmStore.acceptedSince(startOfDay(clock.now())),
    )

    const broker = new Broker({
      config,
      clock,
      scheduler: this.scheduler,
      log: log.child({ part: 'broker' }),
      metrics,
      audit,
      gate: {
        authenticate: (username, password) => {
          const secret = password?.toString('utf8') ?? ''
          // a carer phone's session token (POST /auth/carer) first: a sha256 lookup, no scrypt
          const session = auth.carerSession(username, secret)
          return session ? Promise.resolve(session) : registry.verifyPrincipal(username, secret)
        },
        onPublish: (principal, topic, payload) => this.#onPublish(principal, topic, payload),
        onSubscribe: (principal, filters) => {
          // contract: a carer's phone that (re)subscribes gets its open offers and held alarm again
          const task = topics.carerTask(principal.id)
          if (principal.kind === 'carer' && filters.some((f) => filterCovers(f, task))) {
            this.dispatcher.resendOpenWork(principal.id)
          }
        },
      },
    })
    this.broker = broker
    const downlink = brokerDownlink(broker, log, metrics)
    const journal = new AlarmJournal(alarmStore, clock, log.child({ part: 'alarms' }), metrics)
    const elderOf = (id: string) => registry.getElder(id)
    const dispatcher = new Dispatcher({
      journal,
      carers,
      elderOf,
      scheduler: this.scheduler,
      clock,
      rules: this.rules,
      downlink,
      locale: config.locale,
      audit,
      log: log.child({ part: 'dispatch' }),
      metrics,
    })
    this.dispatcher = dispatcher
    const alarms = new AlarmService({
      journal,
      dispatcher,
      elderOf,
      downlink,
      clock,
      ids: this.#options.ids ?? randomIds,
      locale: config.locale,
      cancelGraceMs: config.cancelGraceS * 1000,
      priorities: defaultPriorities,
      log: log.child({ part: 'alarms' }),
      metrics,
    })
    this.alarms = alarms
    journal.subscribe('live', (alarm, entry) =>
      live.alarm(alarm, entry, registry.getElder(alarm.elderId)?.grid ?? []),
    )
    journal.subscribe('integration-events', (alarm, entry) => {
      broker
        .publish(topics.alarmEvents, integrationEvent(alarm, entry, registry.getElder(alarm.elderId)?.grid))
        .catch((error: unknown) => log.warn({ err: error }, 'integration event not published'))
    })

    const telemetry = new TelemetryWriter(store, log.child({ part: 'telemetry' }), metrics)
    this.#telemetry = telemetry
    // history goes through an outbox off the SOS path; the journal listener only buffers
    this.history = createHistory({
      config,
      store,
      clock,
      scheduler: this.scheduler,
      log: log.child({ part: 'history' }),
      metrics,
      telemetry,
      journal,
      deviceSubject: (id) => {
        const device = registry.getDevice(id)
        if (!device) return undefined
        return { deviceId: id, elderId: device.elderId, grid: registry.getElder(device.elderId)?.grid ?? [] }
      },
      elderGrid: (id) => registry.getElder(id)?.grid ?? [],
      tuning: this.#options.history,
    })
    const silence = new SilenceWatch({
      scheduler: this.scheduler,
      clock,
      onSilent: (deviceId, lastSeenAt) => {
        deviceIngest?.silent(deviceId, lastSeenAt).catch((error: unknown) => {
          metrics.inc('care_timer_errors_total')
          log.error({ err: error, deviceId }, 'silence alarm not raised')
        })
      },
    })
    deviceIngest = new DeviceIngest({
      registry,
      alarms,
      telemetry,
      silence,
      downlink,
      store,
      clock,
      locale: config.locale,
      log: log.child({ part: 'ingest' }),
      metrics,
      onStatus: (deviceId, status) => {
        const device = registry.getDevice(deviceId)
        if (!device) return
        const view = { id: deviceId, elderId: device.elderId, online: status.online }
        const grid = registry.getElder(device.elderId)?.grid ?? []
        live.device(status.battery === undefined ? view : { ...view, battery: status.battery }, grid)
        this.history.influx?.status(deviceId, status, clock.now())
      },
    })
    this.#deviceIngest = deviceIngest
    this.#carerIngest = new CarerIngest({
      carers,
      dispatcher,
      audit,
      clock,
      log: log.child({ part: 'ingest' }),
      metrics,
    })

    // contract: open alarms and every pending deadline are rebuilt from the store at start
    const open = alarmStore.open()
    const armed = dispatcher.restore(open)
    for (const d of store.db
      .prepare('SELECT id, interval_s, coalesce(last_seen_at, created_at) AS seen FROM devices')
      .all() as { id: string; interval_s: number; seen: number }[]) {
      silence.restore(d.id, d.interval_s, d.seen)
    }
    telemetry.start()
    this.history.start()

    this.flows = new Flows({
      config,
      auth,
      registry,
      store,
      clock,
      log: log.child({ part: 'flows' }),
      metrics,
    })
    const context: ApiContext = {
      registry,
      alarms,
      dispatcher,
      carers,
      telemetry,
      auth,
      audit,
      metrics,
      clock,
      live,
      store,
      devicesErased: (ids) => {
        for (const id of ids) {
          deviceIngest?.forget(id)
          silence.forget(id)
        }
      },
      eraseHistory: (elderId) => {
        const eraser = this.history.eraser
        if (!eraser) return 0
        this.history.influx?.flush() // buffered status points join the outbox first, to be purged
        const purged = eraser.prepare(elderId)
        setImmediate(() => eraser.kick()) // after the erasure commits
        return purged
      },
      health: () => this.health(),
    }
    metrics.start()
    watchGauges(metrics, { broker, carers, alarms: new StatsQueries(store.db) })
    this.http = await buildServer(context, {
      log,
      corsOrigin: config.corsOrigin,
      metricsToken: config.metricsToken,
      tiles: config,
    })
    broker.registerWebSocketRoute(this.http)
    await this.flows.mount(this.http)
    await broker.start()
    await this.http.listen({ host: config.host, port: config.httpPort })
    // Node-RED starts after the broker and dispatch, and the start does not wait for it
    this.flowsReady = this.flows.start(this.#flowsEndpoints())
    const report: StartReport = {
      bootMs: Math.round(performance.now() - t0),
      restoredAlarms: open.length,
      armedDeadlines: armed,
    }
    if (admin.printOnce) report.adminToken = admin.printOnce
    log.info(
      { ...report, adminToken: undefined, http: this.httpPort, mqtt: broker.ports.mqtt },
      'care gateway started',
    )
    this.#telemetry = telemetry
    return report
  }

  async stop(): Promise<void> {
    await this.flowsReady
    await this.flows?.stop()
    this.#ownScheduler?.stop()
    await this.http?.close()
    await this.broker?.stop()
    this.#telemetry?.stop()
    await this.history?.stop()
    this.store?.close()
    this.metrics.stop()
  }

  health(): Health {
    const open = this.store.db
      .prepare("SELECT count(*) AS n FROM alarms WHERE state IN ('open', 'offered', 'accepted', 'arrived')")
      .get() as { n: number }
    return {
      status: 'ok',
      broker: { status: 'up', connections: this.broker.connections },
      store: { status: this.store.db.isOpen ? 'up' : 'down', schema: this.store.schemaVersion },
      history: this.history.influx
        ? {
            ...this.history.influx.health(),
            erasures: this.history.eraser?.health() ?? { pending: 0, manual: 0 },
          }
        : { status: 'embedded' },
      flows: this.flows.health(),
      uptimeS: Math.round((this.clock.now() - this.#startedAt) / 1000),
      openAlarms: open.n,
      carersOnDuty: this.carers.onDutyCount(),
      timers: this.scheduler.size(),
    }
  }

  #deviceIngest: DeviceIngest | undefined

  /** The flows reach the gateway like any integration: loopback HTTP and MQTT (plain, else WebSocket). */
  #flowsEndpoints(): { apiUrl: string; mqttUrl: string } {
    const host = ['0.0.0.0', '::', ''].includes(this.config.host) ? '127.0.0.1' : this.config.host
    const origin = `${host.includes(':') ? `[${host}]` : host}`
    const mqtt = this.broker.ports.mqtt
    return {
      apiUrl: `http://${origin}:${this.httpPort}/api/v1`,
      mqttUrl: mqtt ? `mqtt://${origin}:${mqtt}` : `ws://${origin}:${this.httpPort}/mqtt`,
    }
  }
  #carerIngest: CarerIngest | undefined

  async #onPublish(principal: Principal, topic: ParsedTopic, payload: Buffer): Promise<void> {
    if (topic.kind === 'device') await this.#deviceIngest?.handle(principal.id, topic.leaf, payload)
    else if (topic.kind === 'carer') await this.#carerIngest?.handle(principal.id, topic.leaf, payload)
  }
}

function startOfDay(at: number): number {
  const d = new Date(at)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

function brokerDownlink(broker: Broker, log: Logger, metrics: Metrics): Downlink {
  const send = (topic: string, message: unknown) => {
    broker.publish(topic, message, { qos: 1 }).catch((error: unknown) => {
      metrics.inc('care_downlink_errors_total')
      log.warn({ err: error, topic }, 'downlink not published')
    })
  }
  return {
    notify: (deviceId, message) => send(topics.deviceNotify(deviceId), message),
    task: (carerId, message) => send(topics.carerTask(carerId), message),
  }
}

function integrationEvent(
  alarm: Parameters<Parameters<AlarmJournal['subscribe']>[1]>[0],
  entry: Parameters<Parameters<AlarmJournal['subscribe']>[1]>[1],
  grid: string[] | undefined,
): AlarmEventMessage {
  const event: AlarmEventMessage = {
    alarmId: alarm.id,
    seq: entry.seq,
    type: entry.type,
    at: entry.at,
    elderId: alarm.elderId,
    kind: alarm.kind,
    priority: alarm.priority,
    state: alarm.state,
    escalated: alarm.escalated,
  }
  if (alarm.deviceId) event.deviceId = alarm.deviceId
  const carerId = entry.carerId ?? alarm.carerId
  if (carerId) event.carerId = carerId
  if (entry.actor) event.actor = entry.actor
  if (entry.note) event.note = entry.note
  if (alarm.outcome) event.outcome = alarm.outcome
  if (grid) event.grid = grid
  return event
}
