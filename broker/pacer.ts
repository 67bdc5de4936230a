import type { Client } from 'aedes'
import type { Metrics } from '../kernel/observe/metrics.ts'
import type { Clock } from '../kernel/ports/clock.ts'
import type { Scheduler } from '../kernel/ports/scheduler.ts'
import { Backlog } from './backlog.ts'
import { type Disconnect, PrincipalLimiter, type RateLimits } from './limits.ts'

export interface PacerDeps {
  limits: RateLimits
  clock: Clock
  /** Releases held publishes at the gateway's clock: tests move a manual one instead of sleeping. */
  scheduler: Scheduler
  metrics: Metrics
  /** A connection is closed for its rate (audited by the broker). */
  onDisconnect(client: Client, reason: Disconnect, detail: Record<string, unknown>): void
}

/** One publish to pace: whether it is an alarm message, its QoS, and how to keep it. */
export interface Paced {
  alarm: boolean
  qos: number
  /** Hand it to the gateway; an error means not stored (no PUBACK). Never rejects. */
  store(): Promise<Error | null>
}

interface Flow {
  client: Client
  limiter: PrincipalLimiter
  backlog: Backlog
  /** Its release deadline in the scheduler. */
  key: string
}

/**
 * Each connection's rate, applied to publishes already authorised (contract:
 * PUBACK means kept). Under the rate a publish is stored and answered at
 * once; over it a QoS 1 one is held — Aedes' callback waits, so its PUBACK
 * does — and released in order as the rate allows; QoS 0 is dropped.
 */
export class Pacer {
  readonly #d: PacerDeps
  readonly #flows = new WeakMap<Client, Flow>()
  #serial = 0

  constructor(deps: PacerDeps) {
    this.#d = deps
  }

  /** Decide now, or later, for `publish`; `done` is Aedes' `authorizePublish` callback. */
  admit(client: Client, publish: Paced, done: (error?: Error | null) => void): void {
    const flow = this.#flow(client)
    const limit = flow.limiter.check(publish.alarm, publish.qos, this.#d.clock.now(), flow.backlog.size)
    switch (limit) {
      case 'pass':
        return void publish.store().then(done)
      case 'drop':
        // QoS 0 telemetry over the rate: nothing was promised, so it is dropped and counted
        this.#d.metrics.inc('care_mqtt_throttled_total')
        return done(null)
      case 'hold':
        // over the rate a QoS 1 publish waits for its turn, unacknowledged
        this.#d.metrics.inc('care_mqtt_held_total')
        // stores start in arrival order (positions keep theirs); each PUBACK waits for its own store
        flow.backlog.push({ pass: () => void publish.store().then(done), refuse: done })
        if (flow.backlog.size === 1) this.#releaseLater(flow)
        return
      default:
        this.#d.onDisconnect(client, limit, { held: flow.backlog.size })
        flow.backlog.clear() // never acknowledged: the device sends them again
        return done(new Error('rate limited'))
    }
  }

  /** The connection's limits and held publishes, made at its first publish and forgotten when it closes. */
  #flow(client: Client): Flow {
    const known = this.#flows.get(client)
    if (known) return known
    const flow: Flow = {
      client,
      limiter: new PrincipalLimiter(this.#d.limits, this.#d.clock.now()),
      backlog: new Backlog(),
      key: `mqtt-held:${++this.#serial}`,
    }
    this.#flows.set(client, flow)
    client.conn.once('close', () => {
      this.#d.scheduler.cancel(flow.key)
      flow.backlog.clear()
    })
    return flow
  }

  /** Wake when the rate allows the oldest held publish. */
  #releaseLater(flow: Flow): void {
    const now = this.#d.clock.now()
    this.#d.scheduler.at(flow.key, flow.limiter.nextAt(now), () => this.#release(flow))
  }

  #release(flow: Flow): void {
    if (flow.client.closed) return flow.backlog.clear()
    const now = this.#d.clock.now()
    const waiting = flow.backlog.release(() => flow.limiter.release(now))
    if (!waiting) return flow.limiter.drained()
    if (flow.limiter.heldTooLong(now)) {
      // a flood that never stops: a backlog is taken at the rate, but not forever
      this.#d.onDisconnect(flow.client, 'held_too_long', { held: flow.backlog.size })
      return flow.backlog.abort(new Error('held back too long'))
    }
    this.#releaseLater(flow)
  }
}
