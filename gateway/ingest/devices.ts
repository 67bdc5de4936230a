import type { DatabaseSync } from 'node:sqlite'
import type {
  CancelPayload,
  EventPayload,
  LocPayload,
  SosPayload,
  StatusPayload,
  VitalsPayload,
} from '../../kernel/contract/payloads.ts'
import type { DeviceUplink } from '../../kernel/contract/topics.ts'
import { deviceUplinks } from '../../kernel/contract/topics.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Downlink } from '../alarms/messages.ts'
import { notifyMessage } from '../alarms/messages.ts'
import { kindOfEvent } from '../alarms/model.ts'
import type { AlarmService } from '../alarms/service.ts'
import type { Locale } from '../alarms/texts.ts'
import type { Registry } from '../registry/registry.ts'
import type { Elder } from '../registry/schemas.ts'
import type { Store } from '../store/db.ts'
import { type FenceState, fenceStep } from '../telemetry/fence.ts'
import type { TelemetryWriter } from '../telemetry/positions.ts'
import type { SilenceWatch } from '../telemetry/silence.ts'
import { checkVitals } from '../telemetry/vitals.ts'
import { parsePayload } from './parse.ts'

export interface DeviceIngestDeps {
  registry: Registry
  alarms: AlarmService
  telemetry: TelemetryWriter
  silence: SilenceWatch
  downlink: Downlink
  store: Store
  clock: Clock
  locale: Locale
  log: Logger
  metrics: Metrics
  /** Told of a device's status change (the live board). */
  onStatus?: (deviceId: string, status: StatusPayload) => void
}

interface DeviceInfo {
  elderId: string
  intervalS: number
}

/** Listeners per connection, told the id of every elder row inserted, updated or deleted. */
const elderWatchers = new WeakMap<DatabaseSync, Set<(elderId: string) => void>>()

/**
 * Calls `onChange` with the id of each elder row written through this connection — by the
 * registry's PUT and import, an erasure, anything — from temporary triggers, which exist only
 * on this connection and only while it is open.
 */
function watchElders(db: DatabaseSync, onChange: (elderId: string) => void): void {
  let watchers = elderWatchers.get(db)
  if (!watchers) {
    const set = new Set<(elderId: string) => void>()
    watchers = set
    elderWatchers.set(db, set)
    db.function('care_ingest_elder_changed', (id) => {
      for (const watcher of set) watcher(String(id))
      return null
    })
    for (const [event, row] of [
      ['INSERT', 'new'],
      ['UPDATE', 'old'],
      ['DELETE', 'old'],
    ] as const) {
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS care_ingest_elder_${event.toLowerCase()} AFTER ${event} ON main.elders
         BEGIN SELECT care_ingest_elder_changed(${row}.id); END`,
      )
    }
  }
  watchers.add(onChange)
}

/**
 * Device uplinks, turned into readings and commands at the edge: alarms for
 * sos/event/cancel (stored before the broker acknowledges), positions,
 * fences, vitals, status and the silence watch.
 */
export class DeviceIngest {
  readonly #d: DeviceIngestDeps
  readonly #devices = new Map<string, DeviceInfo>()
  readonly #fences = new Map<string, FenceState>()
  /** Elders of devices heard from, as the registry returned them; dropped when their row changes. */
  readonly #elders = new Map<string, Elder>()
  #eldersWatched: DatabaseSync | undefined

  constructor(deps: DeviceIngestDeps) {
    this.#d = deps
  }

  /** The registry changed a device: forget what was cached of it. */
  forget(deviceId: string): void {
    this.#devices.delete(deviceId)
  }

  /** Handle one uplink. Throws only when the store fails, so the broker withholds the PUBACK. */
  async handle(deviceId: string, leaf: DeviceUplink, payload: Buffer): Promise<void> {
    const { metrics, clock } = this.#d
    const device = this.#device(deviceId)
    if (!device) {
      this.#reject(deviceId, leaf, 'unknown_device', 'device not in the registry')
      return
    }
    const parsed = parsePayload(deviceUplinks[leaf], payload)
    if (!parsed.ok) {
      this.#reject(deviceId, leaf, parsed.reason, parsed.detail)
      return
    }
    const now = clock.now()
    metrics.inc('care_uplinks_total', { topic: leaf })
    this.#d.silence.seen(deviceId, device.intervalS, now)
    this.#d.telemetry.seen(deviceId, now)
    const elder = this.#elder(device.elderId)
    if (!elder) {
      this.#reject(deviceId, leaf, 'unknown_elder', `device's elder ${device.elderId} not in the registry`)
      return
    }
    switch (leaf) {
      case 'sos':
        return this.#sos(deviceId, elder, parsed.value as SosPayload)
      case 'event':
        return this.#event(deviceId, elder, parsed.value as EventPayload)
      case 'cancel':
        await this.#d.alarms.cancelFromDevice(deviceId, parsed.value as CancelPayload, 'cancel')
        return
      case 'loc':
        return this.#loc(deviceId, elder, parsed.value as LocPayload, now)
      case 'vitals':
        return this.#vitals(deviceId, elder, parsed.value as VitalsPayload, now)
      case 'status':
        return this.#status(deviceId, parsed.value as StatusPayload, now)
    }
  }

  /** contract: device_offline when a device is silent for 3 × its expected interval. */
  async silent(deviceId: string, lastSeenAt: number): Promise<void> {
    const device = this.#device(deviceId)
    if (!device) return
    this.#d.store.db.prepare('UPDATE devices SET online = 0 WHERE id = ?').run(deviceId)
    await this.#d.alarms.raise({
      kind: 'device_offline',
      elderId: device.elderId,
      deviceId,
      actor: 'system',
      data: { lastSeenAt, silentForS: Math.round((this.#d.clock.now() - lastSeenAt) / 1000) },
    })
  }

  async #sos(deviceId: string, elder: Elder, sos: SosPayload): Promise<void> {
    if (sos.test) return this.#testPress(deviceId, sos)
    const result = await this.#d.alarms.raise({
      kind: 'sos',
      elderId: elder.id,
      deviceId,
      at: sos.lat !== undefined && sos.lon !== undefined ? { lat: sos.lat, lon: sos.lon } : undefined,
      actor: deviceId,
      message: { deviceId, id: sos.id, topic: 'sos', ts: sos.ts },
      data: {
        ...(sos.acc !== undefined ? { acc: sos.acc } : {}),
        ...(sos.battery !== undefined ? { battery: sos.battery } : {}),
      },
    })
    if (!result.ok) this.#reject(deviceId, 'sos', 'refused', result.message)
  }

  /** contract: `test: true` is a weekly test press: recorded, answered `test_ok`, no alarm. */
  #testPress(deviceId: string, sos: SosPayload): void {
    const { store, clock } = this.#d
    const now = clock.now()
    const fresh = store.tx(() => {
      const seen = store.db
        .prepare('SELECT 1 FROM device_messages WHERE device_id = ? AND msg_id = ?')
        .get(deviceId, sos.id)
      if (seen) return false
      store.db
        .prepare(
          'INSERT INTO device_messages (device_id, msg_id, topic, at, alarm_id) VALUES (?, ?, ?, ?, NULL)',
        )
        .run(deviceId, sos.id, 'sos_test', now)
      store.db.prepare('UPDATE devices SET last_test_at = ? WHERE id = ?').run(now, deviceId)
      return true
    })
    if (!fresh) {
      this.#d.metrics.inc('care_messages_duplicate_total')
      return
    }
    this.#d.metrics.inc('care_test_presses_total')
    this.#d.downlink.notify(deviceId, notifyMessage(this.#d.locale, `test-${sos.id}`, 'test_ok'))
  }

  async #event(deviceId: string, elder: Elder, event: EventPayload): Promise<void> {
    const kind = kindOfEvent(event.type)
    if (!kind) {
      // contract: a `door` event is history only
      this.#d.metrics.inc('care_events_history_only_total', { type: event.type })
      if (!(await this.#d.alarms.recordMessage(deviceId, event.id, 'event'))) {
        this.#d.metrics.inc('care_messages_duplicate_total')
      }
      return
    }
    const result = await this.#d.alarms.raise({
      kind,
      elderId: elder.id,
      deviceId,
      at: event.lat !== undefined && event.lon !== undefined ? { lat: event.lat, lon: event.lon } : undefined,
      actor: deviceId,
      message: { deviceId, id: event.id, topic: 'event', ts: event.ts },
      data: { type: event.type, ...(event.value !== undefined ? { value: event.value } : {}) },
    })
    if (!result.ok) this.#reject(deviceId, 'event', 'refused', result.message)
  }

  async #loc(deviceId: string, elder: Elder, loc: LocPayload, now: number): Promise<void> {
    this.#d.telemetry.position({
      deviceId,
      ts: loc.ts,
      lat: loc.lat,
      lon: loc.lon,
      acc: loc.acc,
      src: loc.src,
      receivedAt: now,
    })
    if (!elder.fence) return
    // contract: fence_exit when a `loc` leaves the elder's fence (with hysteresis against noisy fixes)
    const before = this.#fenceState(elder.id)
    const step = fenceStep(before, loc, { home: elder.home, radiusM: elder.fence.radiusM })
    if (step.state.outside !== before.outside || step.state.strikes !== before.strikes) {
      this.#fences.set(elder.id, step.state)
      this.#d.store.db
        .prepare(
          `INSERT INTO fence_state (elder_id, outside, strikes, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(elder_id) DO UPDATE SET outside = excluded.outside, strikes = excluded.strikes,
             updated_at = excluded.updated_at`,
        )
        .run(elder.id, step.state.outside ? 1 : 0, step.state.strikes, now)
    }
    if (step.exited) {
      await this.#d.alarms.raise({
        kind: 'fence_exit',
        elderId: elder.id,
        deviceId,
        at: { lat: loc.lat, lon: loc.lon },
        actor: 'system',
        data: { radiusM: elder.fence.radiusM, acc: loc.acc ?? null },
      })
    }
  }

  async #vitals(deviceId: string, elder: Elder, v: VitalsPayload, now: number): Promise<void> {
    const { ts, ...reading } = v
    const doc: Record<string, number> = {}
    for (const [k, value] of Object.entries(reading)) if (typeof value === 'number') doc[k] = value
    this.#d.telemetry.vitals({ deviceId, ts, doc, receivedAt: now })
    // contract: vitals alarms from per-elder thresholds (default hr < 40 or > 130, SpO2 < 90)
    const check = checkVitals(reading, elder.vitals ?? {})
    if (!check.breach) return
    await this.#d.alarms.raise({
      kind: 'vitals',
      elderId: elder.id,
      deviceId,
      actor: 'system',
      data: { reasons: check.reasons, ...doc },
    })
  }

  #status(deviceId: string, status: StatusPayload, now: number): void {
    this.#d.store.db
      .prepare(
        'UPDATE devices SET online = ?, battery = coalesce(?, battery), fw = coalesce(?, fw), last_seen_at = ? WHERE id = ?',
      )
      .run(status.online ? 1 : 0, status.battery ?? null, status.fw ?? null, now, deviceId)
    this.#d.onStatus?.(deviceId, status)
  }

  #fenceState(elderId: string): FenceState {
    const known = this.#fences.get(elderId)
    if (known) return known
    const row = this.#d.store.db
      .prepare('SELECT outside, strikes FROM fence_state WHERE elder_id = ?')
      .get(elderId) as { outside: number; strikes: number } | undefined
    const state: FenceState = row
      ? { outside: row.outside === 1, strikes: row.strikes }
      : { outside: false, strikes: 0 }
    this.#fences.set(elderId, state)
    return state
  }

  /**
   * The device's elder, for every uplink. Reading it through the registry costs a statement
   * compile, a lookup that mostly misses SQLite's page cache while positions stream in, and a JSON
   * parse: 30–60 µs, a third of a `loc`'s cost at 5,000 a second. Here the registry's elder is kept
   * until its row changes; triggers on the connection say when, whoever writes it.
   */
  #elder(elderId: string): Elder | undefined {
    const db = this.#d.store.db
    if (this.#eldersWatched !== db) {
      this.#elders.clear()
      watchElders(db, (id) => this.#elders.delete(id))
      this.#eldersWatched = db
    }
    const known = this.#elders.get(elderId)
    if (known) return known
    const elder = this.#d.registry.getElder(elderId)
    if (elder) this.#elders.set(elderId, elder)
    return elder
  }

  #device(deviceId: string): DeviceInfo | undefined {
    const cached = this.#devices.get(deviceId)
    if (cached) return cached
    const device = this.#d.registry.getDevice(deviceId)
    if (!device) return undefined
    const info = { elderId: device.elderId, intervalS: device.intervalS }
    this.#devices.set(deviceId, info)
    return info
  }

  #reject(deviceId: string, leaf: string, reason: string, detail: string): void {
    this.#d.metrics.inc('care_uplinks_rejected_total', { topic: leaf, reason })
    this.#d.log.warn({ deviceId, topic: leaf, reason, detail }, 'uplink dropped')
  }
}
