import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { AlarmService } from '../alarms/service.ts'
import type { CarerBook } from '../carers/book.ts'
import type { Dispatcher } from '../dispatch/dispatcher.ts'
import type { HistoryHealth } from '../history/history.ts'
import type { LiveHub } from '../live/hub.ts'
import type { Audit } from '../observe/audit.ts'
import type { Registry } from '../registry/registry.ts'
import type { Store } from '../store/db.ts'
import type { TelemetryWriter } from '../telemetry/positions.ts'
import type { Auth } from './auth.ts'

export interface Health {
  status: 'ok' | 'degraded'
  broker: { status: 'up' | 'down'; connections: number }
  store: { status: 'up' | 'down'; schema: number }
  /** `embedded` without CARE_INFLUX_URL; else the outbox (depth, limit, lag) and write counters. */
  history: { status: 'embedded' } | HistoryHealth
  /** The embedded Node-RED (docs/flows.md): `errors` counts errors its flows logged since start. */
  flows: { status: 'off' | 'starting' | 'up' | 'down'; errors?: number }
  uptimeS: number
  openAlarms: number
  carersOnDuty: number
  timers: number
}

/** What the HTTP routes may use: the same parts MQTT uses, nothing more. */
export interface ApiContext {
  registry: Registry
  alarms: AlarmService
  dispatcher: Dispatcher
  carers: CarerBook
  telemetry: TelemetryWriter
  auth: Auth
  audit: Audit
  metrics: Metrics
  clock: Clock
  live: LiveHub
  store: Store
  /** Devices deleted from the store: drop what is cached and armed for them. */
  devicesErased: (ids: readonly string[]) => void
  /**
   * Inside the erasure's transaction: purge the elder's points waiting for the TSDB and record the
   * job that deletes those already written. Returns the points purged (0 without a TSDB).
   */
  eraseHistory: (elderId: string) => number
  health: () => Health
}
