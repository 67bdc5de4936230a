import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Broker } from '../broker/broker.ts'
import type { AlarmEventMessage } from '../kernel/contract/payloads.ts'
import type { Principal } from '../kernel/contract/principal.ts'
import { durableDeviceUplinks, filterCovers, type ParsedTopic, topics } from '../kernel/contract/topics.ts'
import { createLogger, type Logger } from '../kernel/observe/log.ts'
import { Metrics } from '../kernel/observe/metrics.ts'
import { type Clock, systemClock } from '../kernel/ports/clock.ts'
import { type Ids, randomIds } from '../kernel/ports/ids.ts'
import { type Scheduler, TimerScheduler } from '../kernel/ports/scheduler.ts'
import { Access } from './access/access.ts'
import { AlarmFeed } from './alarms/feed.ts'
import { AlarmLifecycle } from './alarms/lifecycle.ts'
import type { Downlink } from './alarms/messages.ts'
import type { Alarm, TimelineEntry } from './alarms/model.ts'
import { defaultPriorities } from './alarms/priority.ts'
import { Auth } from './api/auth.ts'
import type { ApiContext, Health } from './api/context.ts'
import type { TileSource } from './api/ports.ts'
import { buildServer } from './api/server.ts'
import { CarerBook } from './carers/book.ts'
import type { Config } from './config.ts'
import { type DispatchRules, defaultRules } from './dispatch/types.ts'
import { Flows } from './flows/runtime.ts'
import { erasedClasses } from './history/erasure.ts'
import { createHistory, type History, type HistoryTuning } from './history/setup.ts'
import { CarerIngest } from './ingest/carers.ts'
import { DeviceIngest } from './ingest/devices.ts'
import { LiveHub } from './live/hub.ts'
import { Audit } from './observe/audit.ts'
import { watchGauges } from './observe/gauges.ts'
import { Registry } from './registry/registry.ts'
import { StatsService } from './stats/service.ts'
import { Store } from './store/db.ts'
import { SqliteAlarms } from './store/sqlite/alarms.ts'
import { SqliteAudit } from './store/sqlite/audit.ts'
import { SqliteCarerStates } from './store/sqlite/carers.ts'
import { WalCheckpointer } from './store/sqlite/checkpoint.ts'
import { SqliteDeviceStates } from './store/sqlite/devices.ts'
import { SqliteErasureJobs } from './store/sqlite/erasures.ts'
import { MbTiles } from './store/sqlite/mbtiles.ts'
import { SqliteOutbox } from './store/sqlite/outbox.ts'
import { SqlitePrivacy } from './store/sqlite/privacy.ts'
import { SqliteRegistry } from './store/sqlite/registry.ts'
import { SqliteSessions } from './store/sqlite/sessions.ts'
import { SqliteSettings } from './store/sqlite/settings.ts'
import { SqliteStats } from './store/sqlite/stats/runner.ts'
import { SqliteTelemetry } from './store/sqlite/telemetry.ts'
import { DeviceStates } from './telemetry/devices.ts'
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
  alarms!: AlarmLifecycle
  carers!: CarerBook
  broker!: Broker
  http!: FastifyInstance
  scheduler!: Scheduler
  history!: History
  flows!: Flows
  /** Settles when the flows run or failed to; `start()` does not wait for it. */
  flowsReady: Promise<void> = Promise.resolve()
  #telemetry!: TelemetryWriter
  #checkpoints: WalCheckpointer | undefined
  #stats: SqliteStats | undefined
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
    const audit = new Audit(new SqliteAudit(store), clock, log.child({ part: 'audit' }), metrics)
    const settings = new SqliteSettings(store)

    let deviceIngest: DeviceIngest | undefined
    const registry = new Registry({
      repository: new SqliteRegistry(store),
      // with a TSDB an erasure also purges the elder's points from the outbox, in its transaction
      privacy: new SqlitePrivacy(store, {
        history: config.influxUrl ? { classes: erasedClasses } : undefined,
      }),
      clock,
      log: log.child({ part: 'registry' }),
      metrics,
    })
    this.registry = registry
    await registry.load()
    const access = new Access({
      sessions: new SqliteSessions(store),
      bootstrap: settings,
      directory: registry,
      clock,
      sessionsEnded: (ended) => {
        const gone = new Set(ended)
        this.broker.disconnect((p) => p.session !== undefined && gone.has(p.session), 'session ended')
      },
    })
    const admin = await access.start(config.adminToken)
    const auth = new Auth(access)
    const alarmRepo = new SqliteAlarms(store)
    const live = new LiveHub(clock)
    this.live = live
    const carers = new CarerBook({
      repo: new SqliteCarerStates(store),
      clock,
      log: log.child({ part: 'carers' }),
      scheduler: this.scheduler,
      rules: this.rules,
      onChange: (carer) => live.carer(carer),
    })
    this.carers = carers
    carers.load(
      await registry.allCarers(),
      await new SqliteCarerStates(store).load(),
      await alarmRepo.busyCarers(),
      await alarmRepo.acceptedSince(startOfDay(clock.now())),
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
          return access
            .carerSession(username, secret)
            .then((session) => session ?? registry.verifyPrincipal(username, secret))
        },
        onPublish: (principal, topic, payload) => this.#onPublish(principal, topic, payload),
        onSubscribe: (principal, filters) => {
          // contract: a carer's phone that (re)subscribes gets its open offers and held alarm again
          const task = topics.carerTask(principal.id)
          if (principal.kind === 'carer' && filters.some((f) => filterCovers(f, task))) {
            this.alarms.resendOpenWork(principal.id).catch((error: unknown) => {
              log.warn({ err: error, carerId: principal.id }, 'open work not sent again')
            })
          }
        },
      },
    })
    this.broker = broker
    const downlink = brokerDownlink(broker, log, metrics)
    const feed = new AlarmFeed(log.child({ part: 'alarms' }), metrics)
    const alarms = new AlarmLifecycle({
      repo: alarmRepo,
      carers,
      elderOf: (id) => registry.getElder(id),
      feed,
      downlink,
      scheduler: this.scheduler,
      clock,
      ids: this.#options.ids ?? randomIds,
      rules: this.rules,
      priorities: defaultPriorities,
      locale: config.locale,
      cancelGraceMs: config.cancelGraceS * 1000,
      audit,
      log: log.child({ part: 'alarms' }),
      metrics,
    })
    this.alarms = alarms
    feed.subscribe('live', (alarm, entry) =>
      live.alarm(alarm, entry, registry.getElder(alarm.elderId)?.grid ?? []),
    )
    feed.subscribe('integration-events', (alarm, entry) => {
      broker
        .publish(topics.alarmEvents, integrationEvent(alarm, entry, registry.getElder(alarm.elderId)?.grid))
        .catch((error: unknown) => log.warn({ err: error }, 'integration event not published'))
    })

    const checkpoints = new WalCheckpointer(store, log.child({ part: 'store' }), metrics)
    this.#checkpoints = checkpoints
    const telemetry = new TelemetryWriter(
      new SqliteTelemetry(store, { busy: () => checkpoints.start() }),
      log.child({ part: 'telemetry' }),
      metrics,
    )
    this.#telemetry = telemetry
    const states = new DeviceStates(new SqliteDeviceStates(store))
    await states.load()
    // history goes through an outbox off the SOS path; the feed's listener only buffers
    this.history = createHistory({
      config,
      outbox: new SqliteOutbox(store),
      erasureJobs: new SqliteErasureJobs(store),
      clock,
      scheduler: this.scheduler,
      log: log.child({ part: 'history' }),
      metrics,
      telemetry,
      feed,
      alarms: alarmRepo,
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
      states,
      silence,
      downlink,
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
      alarms,
      audit,
      clock,
      log: log.child({ part: 'ingest' }),
      metrics,
    })

    // contract: open alarms and every pending deadline are rebuilt from the store at start
    const restored = await alarms.restore()
    for (const d of states.all()) silence.restore(d.id, d.intervalS, d.lastSeenAt ?? d.createdAt)
    telemetry.start()
    await this.history.start()

    // whoever changes the registry (a PUT, an import, an erasure), these hear of it after the commit
    registry.subscribe('carer-book', (change) => {
      if (change.kind === 'carer' && change.carer) carers.upsertProfile(change.carer)
    })
    registry.subscribe('devices', (change) => {
      if (change.kind !== 'device') return
      this.history.influx?.forget(change.id)
      if (change.device) states.registered(change.device)
      else {
        // erased: nothing of it is kept, armed or buffered
        states.forget(change.id)
        silence.forget(change.id)
        telemetry.forget([change.id])
      }
    })
    registry.subscribe('history-erasure', (change) => {
      if (change.kind !== 'elder' || !change.erasure) return
      states.forgetElder(change.id) // their fence state went in the erasure
      // the outbox lost the elder's points in the erasure's transaction; their buffered ones go too,
      // and the job recorded there is worked off now
      this.history.influx?.forgetElder(change.id)
      this.history.influx?.purged(change.erasure.history)
      this.history.eraser?.kick()
    })

    this.flows = new Flows({
      config,
      access,
      registry,
      secrets: settings,
      clock,
      log: log.child({ part: 'flows' }),
      metrics,
    })
    // the supervision figures are counted in worker threads over the store file, off the event loop
    const stats = new SqliteStats(store)
    this.#stats = stats
    const context: ApiContext = {
      registry,
      alarms,
      carers,
      telemetry,
      stats: new StatsService(stats),
      access,
      auth,
      audit,
      metrics,
      clock,
      live,
      health: () => this.health(),
    }
    this.#tiles = config.tilesFile ? openTiles(config.tilesFile, log.child({ part: 'http' })) : undefined
    metrics.start()
    watchGauges(metrics, { broker, carers, alarms })
    this.http = await buildServer(context, {
      log,
      corsOrigin: config.corsOrigin,
      metricsToken: config.metricsToken,
      tiles: config,
      tileSource: this.#tiles,
    })
    broker.registerWebSocketRoute(this.http)
    await this.flows.mount(this.http)
    await broker.start()
    await this.http.listen({ host: config.host, port: config.httpPort })
    // Node-RED starts after the broker and dispatch, and the start does not wait for it
    this.flowsReady = this.flows.start(this.#flowsEndpoints())
    const report: StartReport = {
      bootMs: Math.round(performance.now() - t0),
      restoredAlarms: restored.open,
      armedDeadlines: restored.armed,
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
    await this.#telemetry?.stop()
    this.#checkpoints?.stop()
    await this.#stats?.stop()
    await this.history?.stop()
    this.#tiles?.close()
    this.store?.close()
    this.metrics.stop()
  }

  async health(): Promise<Health> {
    const byState = await this.alarms.openByState()
    const open = { n: Object.values(byState).reduce((sum, n) => sum + n, 0) }
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
  #tiles: TileSource | undefined

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
    if (topic.kind === 'carer') return this.#carerIngest?.handle(principal.id, topic.leaf, payload)
    if (topic.kind !== 'device') return
    // the store-before-ack path of sos/event/cancel, timed for care_mqtt_store_ack_seconds
    const t0 = durableDeviceUplinks.has(topic.leaf) ? performance.now() : -1
    await this.#deviceIngest?.handle(principal.id, topic.leaf, payload)
    if (t0 < 0) return
    this.metrics.observe(
      'care_mqtt_store_ack_seconds',
      { topic: topic.leaf },
      (performance.now() - t0) / 1000,
    )
  }
}

/** The board's base map file; one that cannot be read is logged and the gateway runs without a base map. */
function openTiles(file: string, log: Logger): TileSource | undefined {
  try {
    const tiles = new MbTiles(file)
    log.info({ file, minZoom: tiles.minZoom, maxZoom: tiles.maxZoom }, 'base map file')
    return tiles
  } catch (error) {
    log.error({ err: error, file }, 'CARE_TILES_FILE cannot be read; no base map')
    return undefined
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
  alarm: Readonly<Alarm>,
  entry: Readonly<TimelineEntry>,
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
