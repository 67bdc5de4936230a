import { join } from 'node:path'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { BootstrapRepository, SessionRepository } from '../access/ports.ts'
import type { AlarmRepository } from '../alarms/ports.ts'
import type { CarerStateRepository } from '../carers/ports.ts'
import type { LaneStore } from '../cluster/lanes.ts'
import type { FlowsSecretRepository } from '../flows/ports.ts'
import type { ErasureJobRepository, OutboxRepository } from '../history/ports.ts'
import type { AuditRepository } from '../observe/ports.ts'
import type { PrivacyRepository, RegistryRepository } from '../registry/ports.ts'
import type { StatsQueries } from '../stats/ports.ts'
import type { DeviceStateRepository, TelemetryRepository } from '../telemetry/ports.ts'
import type { VisitRepository } from '../visits/ports.ts'
import { Store } from './db.ts'
import { PgAlarms } from './postgres/alarms.ts'
import { PgAudit } from './postgres/audit.ts'
import { PgCarerStates } from './postgres/carers.ts'
import { PgStore } from './postgres/db.ts'
import { PgDeviceStates } from './postgres/devices.ts'
import { PgErasureJobs } from './postgres/erasures.ts'
import { PgLanes } from './postgres/lanes.ts'
import { PgOutbox } from './postgres/outbox.ts'
import { PgPrivacy } from './postgres/privacy.ts'
import { PgRegistry } from './postgres/registry.ts'
import { PgSessions } from './postgres/sessions.ts'
import { PgSettings } from './postgres/settings.ts'
import { PgStats } from './postgres/stats.ts'
import { PgTelemetry } from './postgres/telemetry.ts'
import { PgVisits } from './postgres/visits.ts'
import { SqliteAlarms } from './sqlite/alarms.ts'
import { SqliteAudit } from './sqlite/audit.ts'
import { SqliteCarerStates } from './sqlite/carers.ts'
import { WalCheckpointer } from './sqlite/checkpoint.ts'
import { SqliteDeviceStates } from './sqlite/devices.ts'
import { SqliteErasureJobs } from './sqlite/erasures.ts'
import { SqliteOutbox } from './sqlite/outbox.ts'
import { SqlitePrivacy } from './sqlite/privacy.ts'
import { SqliteRegistry } from './sqlite/registry.ts'
import { SqliteSessions } from './sqlite/sessions.ts'
import { SqliteSettings } from './sqlite/settings.ts'
import { SqliteStats } from './sqlite/stats/runner.ts'
import { ThreadedTelemetry } from './sqlite/telemetry-thread.ts'
import { SqliteVisits } from './sqlite/visits.ts'

/** Every repository the gateway needs, over one store: the embedded SQLite file or PostgreSQL. */
export interface StoreAdapters {
  kind: 'sqlite' | 'postgres'
  audit: AuditRepository
  settings: BootstrapRepository & FlowsSecretRepository
  registry: RegistryRepository
  privacy: PrivacyRepository
  sessions: SessionRepository
  alarms: AlarmRepository
  carerStates: CarerStateRepository
  deviceStates: DeviceStateRepository
  telemetry: TelemetryRepository
  outbox: OutboxRepository
  erasureJobs: ErasureJobRepository
  visits: VisitRepository
  stats: StatsQueries
  /** How often the telemetry writer hands its batch over. */
  flushEveryMs: number
  /** The nodes' heartbeats and the lanes' leases: PostgreSQL only (cluster mode). */
  lanes: LaneStore | undefined
  /** The SQLite store, when that is the kind (backups, the tests' own reads). */
  sqlite: Store | undefined
  health(): Promise<{ status: 'up' | 'down'; schema: number }>
  /** After the last telemetry batch was written: background work ends, then the connections close. */
  close(): Promise<void>
}

export interface AdapterOptions {
  dataDir: string
  /** CARE_DATABASE_URL: PostgreSQL (cluster mode) instead of the embedded file. */
  databaseUrl?: string | undefined
  /** With a TSDB an erasure also purges the elder's points from the outbox, in its transaction. */
  erasedClasses?: readonly string[] | undefined
  log: Logger
  metrics: Metrics
}

/** Opens the store (migrating it) and builds its adapters. */
export async function openStore(o: AdapterOptions): Promise<StoreAdapters> {
  return o.databaseUrl ? openPostgres(o, o.databaseUrl) : openSqlite(o)
}

async function openSqlite(o: AdapterOptions): Promise<StoreAdapters> {
  const store = new Store(join(o.dataDir, 'care.db'))
  store.open()
  const settings = new SqliteSettings(store)
  const checkpoints = new WalCheckpointer(store, o.log.child({ part: 'store' }), o.metrics)
  // the batches are written on a thread of their own, so the flush only hands them over: every
  // 10 ms, and a QoS 1 reading's PUBACK, which waits for its batch, waits little
  const telemetry = new ThreadedTelemetry(store, {
    log: o.log.child({ part: 'telemetry' }),
    metrics: o.metrics,
    busy: () => checkpoints.start(),
  })
  await telemetry.start()
  // the supervision figures are counted in worker threads over the store file, off the event loop
  const stats = new SqliteStats(store)
  return {
    kind: 'sqlite',
    audit: new SqliteAudit(store),
    settings,
    registry: new SqliteRegistry(store),
    privacy: new SqlitePrivacy(store, o.erasedClasses ? { history: { classes: o.erasedClasses } } : {}),
    sessions: new SqliteSessions(store),
    alarms: new SqliteAlarms(store),
    carerStates: new SqliteCarerStates(store),
    deviceStates: new SqliteDeviceStates(store),
    telemetry,
    outbox: new SqliteOutbox(store),
    erasureJobs: new SqliteErasureJobs(store),
    visits: new SqliteVisits(store),
    stats,
    flushEveryMs: store.path === ':memory:' ? 50 : 10,
    lanes: undefined,
    sqlite: store,
    async health() {
      return { status: store.db.isOpen ? 'up' : 'down', schema: store.schemaVersion }
    },
    async close() {
      await telemetry.stop()
      checkpoints.stop()
      await stats.stop()
      store.close()
    },
  }
}

async function openPostgres(o: AdapterOptions, url: string): Promise<StoreAdapters> {
  const store = new PgStore({ url })
  await store.open()
  const stats = new PgStats(store)
  return {
    kind: 'postgres',
    audit: new PgAudit(store),
    settings: new PgSettings(store),
    registry: new PgRegistry(store),
    privacy: new PgPrivacy(store, o.erasedClasses ? { history: { classes: o.erasedClasses } } : {}),
    sessions: new PgSessions(store),
    alarms: new PgAlarms(store),
    carerStates: new PgCarerStates(store),
    deviceStates: new PgDeviceStates(store),
    telemetry: new PgTelemetry(store),
    outbox: new PgOutbox(store),
    erasureJobs: new PgErasureJobs(store),
    visits: new PgVisits(store),
    stats,
    // each flush is a commit on the shared server: every 50 ms a node, not 10 (a QoS 1 reading,
    // which waits for its batch, still makes the writer flush at once); measured in bench/cluster.ts
    flushEveryMs: 50,
    lanes: new PgLanes(store),
    sqlite: undefined,
    async health() {
      try {
        return { status: 'up', schema: await store.schemaVersion() }
      } catch {
        return { status: 'down', schema: 0 }
      }
    },
    async close() {
      await stats.stop()
      await store.close()
    },
  }
}
