import { hostname } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Broker, type BrokerGate } from '../broker/broker.ts'
import { type WatchGate, WatchListener } from '../broker/watch/listener.ts'
import { threeG } from '../broker/watch/threeg/index.ts'
import type { AlarmEventMessage } from '../kernel/contract/payloads.ts'
import { durableDeviceUplinks, filterCovers, topics } from '../kernel/contract/topics.ts'
import type { Logger } from '../kernel/observe/log.ts'
import type { Metrics } from '../kernel/observe/metrics.ts'
import type { Clock } from '../kernel/ports/clock.ts'
import type { Ids } from '../kernel/ports/ids.ts'
import type { Scheduler } from '../kernel/ports/scheduler.ts'
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
import { RedisBus } from './cluster/bus.ts'
import { mirrorCluster } from './cluster/mirror.ts'
import { ClusterNode } from './cluster/node.ts'
import type { Config } from './config.ts'
import type { DispatchRules } from './dispatch/types.ts'
import { Flows } from './flows/runtime.ts'
import { erasedClasses } from './history/erasure.ts'
import { createHistory, type History, type HistoryTuning } from './history/setup.ts'
import { CarerIngest } from './ingest/carers.ts'
import { DeviceIngest, raiseOffline } from './ingest/devices.ts'
import { WatchIngest } from './ingest/watches.ts'
import { LiveHub } from './live/hub.ts'
import { Audit } from './observe/audit.ts'
import { watchGauges } from './observe/gauges.ts'
import { Registry } from './registry/registry.ts'
import { localZone } from './stats/days.ts'
import { StatsService } from './stats/service.ts'
import { openStore, type StoreAdapters } from './store/adapters.ts'
import { MbTiles } from './store/sqlite/mbtiles.ts'
import { DeviceStates } from './telemetry/devices.ts'
import { Follow } from './telemetry/follow.ts'
import { TelemetryWriter } from './telemetry/positions.ts'
import { SilenceWatch } from './telemetry/silence.ts'
import { S3PhotoStore } from './visits/photos/s3.ts'
import { FilePhotoStore, type PhotoStore } from './visits/photos/store.ts'
import { perGrade } from './visits/plan.ts'
import { defaultVisitSettings, Visits } from './visits/visits.ts'

export interface WireOptions {
  config: Config
  clock: Clock
  scheduler: Scheduler
  ids: Ids
  log: Logger
  metrics: Metrics
  rules: DispatchRules
  history: Partial<HistoryTuning> | undefined
  health: () => Promise<Health>
}

/** The running parts the gateway holds, and how to stop them. */
export interface Parts {
  store: StoreAdapters
  registry: Registry
  alarms: AlarmLifecycle
  carers: CarerBook
  broker: Broker
  /** The "3G" watch listener, when CARE_WATCH_PORT is set. */
  watches: WatchListener | undefined
  http: FastifyInstance
  history: History
  flows: Flows
  live: LiveHub
  scheduler: Scheduler
  /** Cluster mode: this node's lanes and deadlines. */
  cluster: ClusterNode | undefined
  flowsReady: Promise<void>
  restored: { open: number; armed: number }
  adminToken: string | undefined
  stop(): Promise<void>
}

/**
 * The composition root: the one place that builds the store's adapters, the
 * broker, the domains and the HTTP server, each once, in an order where every
 * part finds the parts it needs already made — the broker before the access
 * rules that close its connections, the alarm wing before the ingest that
 * feeds it, the broker's gate last, when everything it calls exists.
 */
export async function wire(o: WireOptions): Promise<Parts> {
  const { config, clock, scheduler, log, metrics } = o
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    // with a TSDB an erasure also purges the elder's points from the outbox, in its transaction
    erasedClasses: config.influxUrl ? erasedClasses : undefined,
    log,
    metrics,
  })
  // cluster mode: the nodes tell each other what changes in their memory (docs/cluster.md)
  const bus = clusterBus(config, log, metrics)
  await bus?.start()
  // and each deadline fires on the node holding its lane: the domains arm theirs on `deadlines`
  const cluster =
    bus && store.lanes
      ? new ClusterNode({
          bus,
          store: store.lanes,
          clock,
          scheduler,
          log: log.child({ part: 'cluster' }),
          ttlMs: config.clusterLeaseS * 1000,
          everyMs: (config.clusterLeaseS * 1000) / 5,
        })
      : undefined
  const deadlines = cluster?.scheduler ?? scheduler
  const audit = new Audit(store.audit, clock, log.child({ part: 'audit' }), metrics)
  const settings = store.settings
  const broker = new Broker({ config, clock, scheduler, log: log.child({ part: 'broker' }), metrics, audit })
  const watches = watchListener({
    config,
    clock,
    scheduler,
    log: log.child({ part: 'watch' }),
    metrics,
    audit,
  })
  const downlink = brokerDownlink(broker, watches, log, metrics)
  const endSessions = (ended: readonly string[]) => {
    const gone = new Set(ended)
    broker.disconnect((p) => p.session !== undefined && gone.has(p.session), 'session ended')
  }

  // the registry, and who may sign in
  const registry = new Registry({
    repository: store.registry,
    privacy: store.privacy,
    clock,
    log: log.child({ part: 'registry' }),
    metrics,
  })
  await registry.load()
  const access = new Access({
    sessions: store.sessions,
    bootstrap: settings,
    directory: registry,
    clock,
    // a carer's phone session that ends closes the MQTT connections made with it
    sessionsEnded: (ended) => {
      endSessions(ended)
      bus?.send({ type: 'sessions-ended', sessions: [...ended] })
    },
  })
  const admin = await access.start(config.adminToken)

  // the carers, and the alarm wing
  const live = new LiveHub(clock)
  const alarmRepo = store.alarms
  const carerStates = store.carerStates
  const carers = new CarerBook({
    repo: carerStates,
    clock,
    log: log.child({ part: 'carers' }),
    scheduler: deadlines,
    rules: o.rules,
    onChange: (carer) => live.carer(carer),
    ...(bus ? { share: (update) => bus.send({ type: 'carer', update }) } : {}),
  })
  carers.load(
    await registry.allCarers(),
    await carerStates.load(),
    await alarmRepo.busyCarers(),
    await alarmRepo.acceptedSince(startOfDay(clock.now())),
  )
  if (bus) {
    mirrorCluster({
      bus,
      live,
      carers,
      registry,
      endSessions,
      resync: async () => {
        log.warn('cluster: the bus is back; carers and the registry read again from the store')
        await registry.load()
        for (const carer of await registry.allCarers()) if (!carers.get(carer.id)) carers.upsertProfile(carer)
        const busy = await alarmRepo.busyCarers()
        for (const state of await carerStates.load()) carers.mirror({ ...state, busy: busy.has(state.id) })
      },
    })
  }
  const feed = new AlarmFeed(log.child({ part: 'alarms' }), metrics)
  const alarms = new AlarmLifecycle({
    repo: alarmRepo,
    carers,
    elderOf: (id) => registry.getElder(id),
    feed,
    downlink,
    scheduler: deadlines,
    clock,
    ids: o.ids,
    rules: o.rules,
    priorities: defaultPriorities,
    locale: config.locale,
    cancelGraceMs: config.cancelGraceS * 1000,
    audit,
    log: log.child({ part: 'alarms' }),
    metrics,
  })
  feed.subscribe('live', (alarm, entry) =>
    live.alarm(alarm, entry, registry.getElder(alarm.elderId)?.grid ?? []),
  )
  // 防走失: a wandering elder's fixes go on to the board and the holder while the fence_exit is open
  const follow = new Follow({
    live: (fix, grid, carerId) => live.track(fix, grid, carerId),
    carer: (carerId, fix) => {
      broker.publish(topics.carerTrack(carerId), fix, { qos: 0 }).catch((error: unknown) => {
        log.warn({ err: error, carerId }, 'track fix not published')
      })
    },
  })
  feed.subscribe('follow', (alarm) => follow.alarm(alarm))
  feed.subscribe('integration-events', (alarm, entry) => {
    broker
      .publish(topics.alarmEvents, integrationEvent(alarm, entry, registry.getElder(alarm.elderId)?.grid))
      .catch((error: unknown) => log.warn({ err: error }, 'integration event not published'))
  })

  // telemetry and history: positions in batches, history through an outbox, off the SOS path
  const telemetry = new TelemetryWriter(
    store.telemetry,
    log.child({ part: 'telemetry' }),
    metrics,
    store.flushEveryMs,
  )
  const states = new DeviceStates(store.deviceStates)
  await states.load()
  const history = createHistory({
    config,
    outbox: store.outbox,
    erasureJobs: store.erasureJobs,
    clock,
    scheduler,
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
    tuning: o.history,
    runs: cluster ? (job) => cluster.lanes.owns(job) : undefined,
  })
  const offline = raiseOffline({ registry, states, alarms, clock })
  const silence = new SilenceWatch({
    scheduler: deadlines,
    clock,
    onSilent: (deviceId, lastSeenAt) => offline(deviceId, lastSeenAt),
    // cluster mode: the device may talk to another node; the store knows when it was last heard
    ...(cluster ? { lastHeard: (id: string) => store.deviceStates.lastHeard(id) } : {}),
  })

  // the edges: device and carer uplinks into readings and commands
  const devices = new DeviceIngest({
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
    follow,
    onStatus: (deviceId, status) => {
      const device = registry.getDevice(deviceId)
      if (!device) return
      const view = { id: deviceId, elderId: device.elderId, online: status.online }
      const grid = registry.getElder(device.elderId)?.grid ?? []
      live.device(status.battery === undefined ? view : { ...view, battery: status.battery }, grid)
      history.influx?.status(deviceId, status, clock.now())
    },
  })
  const carerIngest = new CarerIngest({
    carers,
    alarms,
    audit,
    clock,
    log: log.child({ part: 'ingest' }),
    metrics,
  })

  // care between emergencies: planned visits, their deadlines, carers' reports and photos
  const visits = new Visits({
    repo: store.visits,
    photos: photoStore(config),
    elder: (id) => registry.getElder(id),
    elders: () => registry.allElders(),
    carer: (id) => registry.getCarer(id),
    station: (id) => registry.getStation(id),
    carerFix: (id) => carers.get(id)?.position,
    raise: (input) => alarms.raise(input),
    escalate: (alarmId, actor, note) => alarms.escalate(alarmId, actor, note),
    scheduler: deadlines,
    clock,
    log: log.child({ part: 'visits' }),
    metrics,
    audit,
    settings: {
      ...defaultVisitSettings,
      timeZone: config.timeZone ?? localZone(),
      cadence: perGrade(config.visitCadenceDays),
      graceMs: config.visitGraceS * 1000,
      followUpDays: perGrade(config.followUpDays),
      photoMaxBytes: config.photoMaxBytes,
    },
  })

  // a graded follow-up visit after an alarm closed for real
  feed.subscribe('follow-up-visit', (alarm, entry) => {
    if (entry.type !== 'resolved' || alarm.outcome === 'false_alarm' || alarm.kind === 'visit_missed') return
    visits.alarmClosed(alarm.elderId).catch((error: unknown) => {
      log.error({ err: error, elderId: alarm.elderId }, 'follow-up not planned')
    })
  })

  // contract: open alarms and every pending deadline are rebuilt from the store at start (in a
  // cluster, those of the lanes this node takes, and again whenever it takes more)
  await cluster?.start({
    alarms,
    visits,
    carers,
    devices: {
      async restore(only) {
        for (const d of (await store.deviceStates.load()).devices) {
          if (only(d.id)) silence.restore(d.id, d.intervalS, d.lastSeenAt ?? d.createdAt)
        }
      },
    },
  })
  const restored = cluster ? cluster.restored : await alarms.restore()
  for (const alarm of await alarmRepo.open()) follow.alarm(alarm)
  if (!cluster) for (const d of states.all()) silence.restore(d.id, d.intervalS, d.lastSeenAt ?? d.createdAt)
  telemetry.start()
  await history.start()

  // whoever changes the registry (a PUT, an import, an erasure), these hear of it after the commit
  registry.subscribe('visits', (change) => {
    // a change made on another node was planned there
    if (change.kind !== 'elder' || change.remote) return
    const done = change.elder
      ? visits.elderChanged(change.elder)
      : visits.elderErased(change.id, change.erasure.photos)
    done.catch((error: unknown) => log.error({ err: error, elderId: change.id }, 'visit plan not updated'))
  })
  registry.subscribe('carer-book', (change) => {
    if (change.kind === 'carer' && change.carer) carers.upsertProfile(change.carer)
  })
  registry.subscribe('devices', (change) => {
    if (change.kind !== 'device') return
    // a watch deleted, or no longer a watch, may no longer talk over the watch listener
    if (change.device?.kind !== 'watch') watches?.disconnect(change.id, 'not a watch')
    history.influx?.forget(change.id)
    if (change.device) {
      states.registered(change.device)
      // cluster mode: the node holding the device's lane watches it from now (the others drop it)
      if (cluster) void silence.rearm(change.id, change.device.intervalS, change.device.createdAt)
    } else {
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
    // and the job recorded there is worked off now (by the node that erased)
    history.influx?.forgetElder(change.id)
    if (change.remote) return
    history.influx?.purged(change.erasure.history)
    history.eraser?.kick()
  })

  // the HTTP side and the embedded flows
  const flows = new Flows({
    config,
    access,
    registry,
    secrets: settings,
    clock,
    log: log.child({ part: 'flows' }),
    metrics,
  })
  const context: ApiContext = {
    registry,
    alarms,
    carers,
    telemetry,
    stats: new StatsService(store.stats),
    access,
    auth: new Auth(access),
    audit,
    metrics,
    clock,
    live,
    visits,
    responseMin: o.rules.responseMin,
    health: o.health,
    // board commands go to a watch connected to the watch listener; other devices take none
    commands: { send: (deviceId, command) => watches?.send(deviceId, command) ?? false },
  }
  const tiles = config.tilesFile ? openTiles(config.tilesFile, log.child({ part: 'http' })) : undefined
  metrics.start()
  watchGauges(metrics, { broker, watches, carers, alarms })
  const http = await buildServer(context, {
    log,
    corsOrigin: config.corsOrigin,
    metricsToken: config.metricsToken,
    tiles: config,
    tileSource: tiles,
    loginsPerMinute: config.loginsPerMinute,
  })
  broker.registerWebSocketRoute(http)
  await flows.mount(http)

  // last, the broker's gate: everything it calls exists now
  const gate: BrokerGate = {
    authenticate: (username, password) => {
      const secret = password?.toString('utf8') ?? ''
      // a carer phone's session token (POST /auth/carer) first: a sha256 lookup, no scrypt
      return access
        .carerSession(username, secret)
        .then((s) => s ?? registry.verifyPrincipal(username, secret))
    },
    onPublish: async (principal, topic, payload, qos) => {
      if (topic.kind === 'carer') return carerIngest.handle(principal.id, topic.leaf, payload)
      if (topic.kind !== 'device') return
      // the store-before-ack path of sos/event/cancel, timed for care_mqtt_store_ack_seconds
      const t0 = durableDeviceUplinks.has(topic.leaf) ? performance.now() : -1
      // a reading at QoS 1 is stored before its PUBACK; at QoS 0 it is only buffered
      await devices.handle(principal.id, topic.leaf, payload, qos > 0)
      if (t0 >= 0) {
        metrics.observe('care_mqtt_store_ack_seconds', { topic: topic.leaf }, (performance.now() - t0) / 1000)
      }
    },
    onSubscribe: (principal, filters) => {
      // contract: a carer's phone that (re)subscribes gets its open offers and held alarm again
      const task = topics.carerTask(principal.id)
      if (principal.kind !== 'carer' || !filters.some((f) => filterCovers(f, task))) return
      alarms.resendOpenWork(principal.id).catch((error: unknown) => {
        log.warn({ err: error, carerId: principal.id }, 'open work not sent again')
      })
    },
  }
  await broker.start(gate)
  // cluster mode: a downlink published while Redis was away may not have reached its carer's node;
  // each node sends its own carers their open work again (idempotent on the phone, by alarm)
  broker.onSharedReconnect(() => {
    for (const carerId of broker.connected('carer')) {
      alarms.resendOpenWork(carerId).catch((error: unknown) => {
        log.warn({ err: error, carerId }, 'open work not sent again')
      })
    }
  })
  // the watch listener's gate: the same ingest as the broker's, for registered watches only
  const watchGate: WatchGate = new WatchIngest({
    registry,
    states,
    devices,
    log: log.child({ part: 'watch' }),
  })
  await watches?.start(watchGate)
  await http.listen({ host: config.host, port: config.httpPort })
  // the visits after the broker and the API: planning thousands of elders at a first start never
  // keeps a device from connecting; their deadlines (a missed visit fires at once) follow
  await visits.start(cluster ? (elderId) => cluster.lanes.owns(elderId) : undefined)
  armPhotoRetention(
    visits,
    scheduler,
    clock,
    config.photoRetentionDays,
    log,
    (job) => cluster?.lanes.owns(job) ?? true,
  )
  // Node-RED starts after the broker and dispatch, and the start does not wait for it
  const flowsReady = flows.start(flowsEndpoints(config, http, broker))

  return {
    store,
    registry,
    alarms,
    carers,
    broker,
    watches,
    http,
    history,
    flows,
    live,
    scheduler,
    cluster,
    flowsReady,
    restored,
    adminToken: admin.printOnce,
    async stop() {
      await flowsReady
      await flows.stop()
      await http.close()
      await watches?.stop()
      await broker.stop()
      await telemetry.stop()
      await history.stop()
      tiles?.close()
      await cluster?.stop()
      await bus?.close()
      await store.close()
    },
  }
}

/** The flows reach the gateway like any integration: loopback HTTP and MQTT (plain, else WebSocket). */
/** Cluster mode's bus when the nodes share a Redis; none for a single process. */
function clusterBus(config: Config, log: Logger, metrics: Metrics): RedisBus | undefined {
  if (!config.redisUrl) return undefined
  const node = config.nodeId ?? `${hostname()}-${process.pid}`
  return new RedisBus({ url: config.redisUrl, node, log: log.child({ part: 'cluster' }), metrics })
}

function flowsEndpoints(
  config: Config,
  http: FastifyInstance,
  broker: Broker,
): { apiUrl: string; mqttUrl: string } {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host
  const origin = `${host.includes(':') ? `[${host}]` : host}`
  const address = http.server.address()
  const httpPort = typeof address === 'object' && address ? address.port : 0
  const mqtt = broker.ports.mqtt
  return {
    apiUrl: `http://${origin}:${httpPort}/api/v1`,
    mqttUrl: mqtt ? `mqtt://${origin}:${mqtt}` : `ws://${origin}:${httpPort}/mqtt`,
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

/** Visit photos under the data directory, or in the S3-compatible bucket CARE_PHOTO_S3_URL names. */
function photoStore(config: Config): PhotoStore {
  if (!config.photoS3Url) return new FilePhotoStore(join(config.dataDir, 'photos'))
  // loadConfig checked the keys come with the URL
  return new S3PhotoStore({
    url: config.photoS3Url,
    accessKey: config.photoS3AccessKey ?? '',
    secretKey: config.photoS3SecretKey ?? '',
    region: config.photoS3Region,
  })
}

/** Visit photos past their retention go, a batch at a time, every six hours (docs/visits.md). */
function armPhotoRetention(
  visits: Visits,
  scheduler: Scheduler,
  clock: Clock,
  days: number,
  log: Logger,
  runs: (job: string) => boolean,
): void {
  const EVERY_MS = 6 * 3_600_000
  const run = async (): Promise<void> => {
    try {
      // cluster mode: one node of the cluster purges
      if (!runs('visits:photo-retention')) return
      let removed = 0
      for (let n = await visits.purgePhotos(clock.now() - days * 86_400_000); n > 0; ) {
        removed += n
        n = await visits.purgePhotos(clock.now() - days * 86_400_000)
      }
      if (removed > 0) log.info({ removed, days }, 'visit photos past retention removed')
    } finally {
      scheduler.at('visits:photo-retention', clock.now() + EVERY_MS, run)
    }
  }
  scheduler.at('visits:photo-retention', clock.now() + 60_000, run)
}

function startOfDay(at: number): number {
  const d = new Date(at)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** The "3G" watch listener (docs/devices.md), built when CARE_WATCH_PORT is set; started with its gate. */
function watchListener(d: {
  config: Config
  clock: Clock
  scheduler: Scheduler
  log: Logger
  metrics: Metrics
  audit: Audit
}): WatchListener | undefined {
  const { config } = d
  if (config.watchPort === undefined) return undefined
  const tls = config.watchTls === 'on' && config.tlsCert && config.tlsKey
  return new WatchListener({
    ...d,
    protocol: threeG,
    options: {
      host: config.host,
      port: config.watchPort,
      tls: tls ? { cert: config.tlsCert as string, key: config.tlsKey as string } : undefined,
      maxConnections: config.maxConnections,
      maxFrameBytes: WATCH_MAX_FRAME_BYTES,
      maxQueuedFrames: 256,
      badFramesBeforeClose: 16,
      garbageBytesBeforeClose: 4096,
      loginTimeoutMs: config.connectTimeoutMs,
      idleMs: config.watchIdleS * 1000,
      // the same per-device limits as the MQTT path's
      ratePerS: config.mqttRatePerS,
      burst: config.mqttBurst,
      alarmRatePerS: config.mqttAlarmRatePerS,
      alarmBurst: config.mqttAlarmBurst,
      maxHoldMs: config.mqttHoldMaxS * 1000,
    },
  })
}

/** The protocol's own ceiling on a frame (voice clips and pictures are the big ones). */
const WATCH_MAX_FRAME_BYTES = 64 * 1024

function brokerDownlink(
  broker: Broker,
  watches: WatchListener | undefined,
  log: Logger,
  metrics: Metrics,
): Downlink {
  const send = (topic: string, message: unknown) => {
    broker.publish(topic, message, { qos: 1 }).catch((error: unknown) => {
      metrics.inc('care_downlink_errors_total')
      log.warn({ err: error, topic }, 'downlink not published')
    })
  }
  return {
    notify: (deviceId, message) => {
      send(topics.deviceNotify(deviceId), message)
      // a watch on the watch listener shows it on its screen (docs/devices.md, "Elder feedback")
      watches?.send(deviceId, { command: 'message', text: message.text })
    },
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
