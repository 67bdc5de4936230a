import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify'
import type { Principal } from '../kernel/contract/principal.ts'
import type { Health } from './api/context.ts'
import type { RouteInfo } from './api/route-table.ts'
import type { CarerProfile } from './carers/book.ts'
import type { HistoryEraser } from './history/erasure.ts'
import type { InfluxHistory } from './history/history.ts'
import type { LiveHub } from './live/hub.ts'

/**
 * What tests and benchmarks may see and do of a running gateway, beyond its
 * outer contract: a small, named surface, so that nothing reaches into the
 * parts the composition root wires (and a part can change without every
 * test knowing it).
 */
export interface Surface {
  readonly httpPort: number
  readonly ports: { mqtt?: number; mqtts?: number; watch?: number }
  /** An HTTP request answered in-process, without a socket. */
  inject(options: InjectOptions): Promise<InjectResponse>
  /** Every route with the roles it admits (the role matrix, the OpenAPI checks). */
  routes(): readonly RouteInfo[]
  health(): Promise<Health>
  metrics: {
    /** A counter's or gauge's value, with exactly these labels. */
    get(name: string, labels?: Record<string, string>): number
    /** A counter summed over all its labels. */
    total(name: string): number
  }
  /** Open MQTT connections. */
  connections(): number
  /** The watch listener (CARE_WATCH_PORT): sockets open, and watches logged in now. */
  watches(): { sockets: number; devices: number }
  /** What the carer book holds of a carer now: duty, position, busy. */
  carer(id: string): Readonly<CarerProfile> | undefined
  /** Publish on the gateway's own broker, as the gateway does (barriers in tests). */
  publish(topic: string, message: unknown, options?: { qos?: 0 | 1; retain?: boolean }): Promise<void>
  /** Who an MQTT login is, as the broker would decide. */
  verifyPrincipal(username: string, password: string): Promise<Principal | null>
  /** The live stream's hub: its sequence, who listens, and a carer's change told to it as the book would. */
  live: Pick<LiveHub, 'seq' | 'dropped' | 'subscribers' | 'carer'>
  /** Cluster mode: the lanes this node holds now (docs/cluster.md); undefined for a single process. */
  readonly lanes: ReadonlySet<number> | undefined
  /** The TSDB side, when InfluxDB is configured: the outbox and its writer, the erasure jobs. */
  history: { readonly influx: InfluxHistory | undefined; readonly eraser: HistoryEraser | undefined }
  flows: {
    /** Settles when the embedded Node-RED runs or failed to start. */
    readonly ready: Promise<void>
    /** How long Node-RED took to start, once it has. */
    readonly startedMs: number | undefined
  }
}
