import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Access } from '../access/access.ts'
import type { AlarmLifecycle } from '../alarms/lifecycle.ts'
import type { CarerBook } from '../carers/book.ts'
import type { HistoryHealth } from '../history/history.ts'
import type { LiveHub } from '../live/hub.ts'
import type { Audit } from '../observe/audit.ts'
import type { Registry } from '../registry/registry.ts'
import type { StatsService } from '../stats/service.ts'
import type { TelemetryWriter } from '../telemetry/positions.ts'
import type { Visits } from '../visits/visits.ts'
import type { Auth } from './auth.ts'
import type { DeviceCommands } from './ports.ts'

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
  /** Cluster mode (docs/cluster.md): this node, the live nodes it sees, and the lanes it holds. */
  cluster?: { node: string; nodes: number; lanes: number }
}

/** What the HTTP routes may use: the same parts MQTT uses, nothing more. */
export interface ApiContext {
  registry: Registry
  alarms: AlarmLifecycle
  carers: CarerBook
  telemetry: TelemetryWriter
  /** The supervision figures (GET /stats, its charts and worklists). */
  stats: StatsService
  /** Sessions, logins and the bootstrap token (gateway/access/). */
  access: Access
  /** The HTTP guard over `access`: a route's roles. */
  auth: Auth
  audit: Audit
  metrics: Metrics
  clock: Clock
  live: LiveHub
  health: () => Promise<Health>
  /** Visits, carers' reports and the service ledger (docs/visits.md). */
  visits: Visits
  /** The graded response deadlines, minutes per risk grade (CARE_RESPONSE_MIN). */
  responseMin: Readonly<Record<'high' | 'medium' | 'low' | 'safe', number>>
  /** Commands down to devices connected over a vendor protocol (POST /devices/{id}/commands). */
  commands: DeviceCommands
}
