import { radioScan } from '../../kernel/contract/commands.ts'
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
import type { AlarmLifecycle } from '../alarms/lifecycle.ts'
import type { Downlink } from '../alarms/messages.ts'
import { notifyMessage } from '../alarms/messages.ts'
import { kindOfEvent } from '../alarms/model.ts'
import type { Locale } from '../alarms/texts.ts'
import type { Registry } from '../registry/registry.ts'
import type { Device, Elder } from '../registry/schemas.ts'
import type { DeviceStates } from '../telemetry/devices.ts'
import { fenceStep } from '../telemetry/fence.ts'
import type { Follow } from '../telemetry/follow.ts'
import type { Stored, TelemetryWriter } from '../telemetry/positions.ts'
import type { SilenceWatch } from '../telemetry/silence.ts'
import { checkVitals } from '../telemetry/vitals.ts'
import { type Parsed, parsePayload, parseValue } from './parse.ts'

/** A fix whose device time is older than this when it arrives is history (docs/decisions.md). */
export const STALE_FIX_MS = 10 * 60_000

export interface DeviceIngestDeps {
  registry: Registry
  alarms: AlarmLifecycle
  telemetry: TelemetryWriter
  /** Devices' live state and elders' fence state, in memory (written through its repository). */
  states: DeviceStates
  silence: SilenceWatch
  downlink: Downlink
  clock: Clock
  locale: Locale
  log: Logger
  metrics: Metrics
  /** Told of a device's status change (the live board). */
  onStatus?: (deviceId: string, status: StatusPayload) => void
  /** A wandering elder's fixes, sent on while their `fence_exit` alarm is open. */
  follow?: Follow | undefined
}

/**
 * Device uplinks, turned into readings and commands at the edge: alarms for
 * sos/event/cancel (stored before the broker acknowledges), positions,
 * fences, vitals, status and the silence watch.
 */
export class DeviceIngest {
  readonly #d: DeviceIngestDeps

  constructor(deps: DeviceIngestDeps) {
    this.#d = deps
  }

  /**
   * Handle one uplink. Throws only when the store fails, so the broker withholds the PUBACK. An
   * alarm message is stored before this settles, always; a reading (`loc`, `vitals`) only when
   * `acked` — it is answered with a PUBACK (QoS 1) — else it is buffered and this settles at once.
   */
  handle(deviceId: string, leaf: DeviceUplink, payload: Buffer, acked = true): Promise<void> {
    return this.#handle(deviceId, leaf, () => parsePayload(deviceUplinks[leaf], payload), acked)
  }

  /**
   * One reading a vendor protocol's adapter decoded into the contract's shape (a watch's frame):
   * the same validation, deduplication, alarms and history as an MQTT uplink. Throws only when the
   * store fails, so the adapter withholds its reply.
   */
  reading(deviceId: string, leaf: DeviceUplink, value: unknown): Promise<void> {
    return this.#handle(deviceId, leaf, () => parseValue(deviceUplinks[leaf], value), true)
  }

  /**
   * Cells and Wi-Fi a device heard without a fix: kept beside its positions for a later look-up.
   * Settles when stored (the watch's reply waits for it).
   */
  async scan(deviceId: string, value: unknown): Promise<void> {
    const device = this.#d.registry.getDevice(deviceId)
    if (!device) return this.#reject(deviceId, 'scan', 'unknown_device', 'device not in the registry')
    const parsed = parseValue(radioScan, value)
    if (!parsed.ok) return this.#reject(deviceId, 'scan', parsed.reason, parsed.detail)
    const now = this.#d.clock.now()
    this.#d.metrics.inc('care_scans_total')
    this.#heard(device, now)
    await this.#waitFor(this.#d.telemetry.scan({ deviceId, ...parsed.value, receivedAt: now }))
  }

  /** An acknowledgement waits for the reading's batch: the batch goes to the store without delay. */
  #waitFor(stored: Stored): Stored {
    this.#d.telemetry.hurry()
    return stored
  }

  async #handle(
    deviceId: string,
    leaf: DeviceUplink,
    parse: () => Parsed<unknown>,
    acked: boolean,
  ): Promise<void> {
    const { metrics, clock } = this.#d
    // the registry and the device states are held in memory: an uplink reads the store nowhere
    const device = this.#d.registry.getDevice(deviceId)
    if (!device) {
      this.#reject(deviceId, leaf, 'unknown_device', 'device not in the registry')
      return
    }
    const parsed = parse()
    if (!parsed.ok) {
      this.#reject(deviceId, leaf, parsed.reason, parsed.detail)
      return
    }
    const now = clock.now()
    metrics.inc('care_uplinks_total', { topic: leaf })
    this.#heard(device, now)
    const elder = this.#d.registry.getElder(device.elderId)
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
      case 'loc': {
        const { stored } = await this.#loc(deviceId, elder, parsed.value as LocPayload, now)
        return acked ? this.#waitFor(stored) : undefined
      }
      case 'vitals': {
        const { stored } = await this.#vitals(deviceId, elder, parsed.value as VitalsPayload, now)
        return acked ? this.#waitFor(stored) : undefined
      }
      case 'status':
        return this.#status(device, parsed.value as StatusPayload, now)
    }
  }

  async #sos(deviceId: string, elder: Elder, sos: SosPayload): Promise<void> {
    if (sos.test) return this.#testPress(deviceId, sos)
    const result = await this.#d.alarms.raise({
      kind: 'sos',
      elderId: elder.id,
      elder,
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

  /**
   * contract: `test: true` is a weekly test press: recorded, answered `test_ok`, no alarm. The
   * message ledger is the alarm wing's: a retransmission it has seen moves nothing
   * (docs/decisions.md, "A test press is two writes").
   */
  async #testPress(deviceId: string, sos: SosPayload): Promise<void> {
    const { alarms, states, clock } = this.#d
    if (!(await alarms.recordMessage(deviceId, sos.id, 'sos_test'))) {
      this.#d.metrics.inc('care_messages_duplicate_total')
      return
    }
    await states.testPressed(deviceId, clock.now())
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
      elder,
      deviceId,
      at: event.lat !== undefined && event.lon !== undefined ? { lat: event.lat, lon: event.lon } : undefined,
      actor: deviceId,
      message: { deviceId, id: event.id, topic: 'event', ts: event.ts },
      data: { type: event.type, ...(event.value !== undefined ? { value: event.value } : {}) },
    })
    if (!result.ok) this.#reject(deviceId, 'event', 'refused', result.message)
  }

  /** Buffers the fix and moves the fence; answers the promise of the fix's batch
   * (in an object: an async function would wait for a promise it returns). */
  async #loc(deviceId: string, elder: Elder, loc: LocPayload, now: number): Promise<{ stored: Stored }> {
    const stored = this.#d.telemetry.position({
      deviceId,
      ts: loc.ts,
      lat: loc.lat,
      lon: loc.lon,
      acc: loc.acc,
      src: loc.src,
      receivedAt: now,
    })
    // a fix sent late (a watch's backlog after an outage) is history: it never moves the fence state,
    // raises an alarm or leads a search now (docs/decisions.md, "A late fix is history")
    const late = now - loc.ts > STALE_FIX_MS
    // an elder not being searched for costs one look-up here, nothing more
    if (!late && this.#d.follow?.following(elder.id) !== undefined) {
      const fix = { deviceId, lat: loc.lat, lon: loc.lon, ts: loc.ts, receivedAt: now }
      this.#d.follow.fix(elder.id, elder.grid ?? [], loc.acc === undefined ? fix : { ...fix, acc: loc.acc })
    }
    if (!elder.fence) return { stored }
    if (late) {
      this.#d.metrics.inc('care_fixes_late_total')
      return { stored }
    }
    // contract: fence_exit when a `loc` leaves the elder's fence (with hysteresis against noisy fixes)
    const states = this.#d.states
    const before = states.fence(elder.id)
    const step = fenceStep(before, loc, { home: elder.home, radiusM: elder.fence.radiusM })
    const moved = step.state.outside !== before.outside || step.state.strikes !== before.strikes
    const fenceStored = moved ? states.setFence(elder.id, step.state, now) : undefined
    if (!step.exited) {
      // a fix waits on no store: a failed write is counted, the state in memory stands
      fenceStored?.catch((error: unknown) => this.#stateNotStored(error, elder.id))
      return { stored }
    }
    await fenceStored
    await this.#d.alarms.raise({
      kind: 'fence_exit',
      elderId: elder.id,
      elder,
      deviceId,
      at: { lat: loc.lat, lon: loc.lon },
      actor: 'system',
      data: { radiusM: elder.fence.radiusM, acc: loc.acc ?? null },
    })
    return { stored }
  }

  /** Buffers the reading and raises a breach; answers the promise of the reading's
   * batch (in an object, as for a fix). */
  async #vitals(deviceId: string, elder: Elder, v: VitalsPayload, now: number): Promise<{ stored: Stored }> {
    const { ts, ...reading } = v
    const doc: Record<string, number> = {}
    for (const [k, value] of Object.entries(reading)) if (typeof value === 'number') doc[k] = value
    const stored = this.#d.telemetry.vitals({ deviceId, ts, doc, receivedAt: now })
    // contract: vitals alarms from per-elder thresholds (default hr < 40 or > 130, SpO2 < 90)
    const check = checkVitals(reading, elder.vitals ?? {})
    if (!check.breach) return { stored }
    await this.#d.alarms.raise({
      kind: 'vitals',
      elderId: elder.id,
      elder,
      deviceId,
      actor: 'system',
      data: { reasons: check.reasons, ...doc },
    })
    return { stored }
  }

  async #status(device: Device, status: StatusPayload, now: number): Promise<void> {
    await this.#d.states.status(device, {
      online: status.online,
      battery: status.battery,
      fw: status.fw,
      at: now,
    })
    this.#d.onStatus?.(device.id, status)
  }

  /** The device is there: the silence watch, its live state and its last-heard time learn of it. */
  #heard(device: Device, now: number): void {
    this.#d.silence.seen(device.id, device.intervalS, now)
    this.#d.states.heard(device, now)
    this.#d.telemetry.seen(device.id, now)
  }

  #stateNotStored(error: unknown, elderId: string): void {
    this.#d.metrics.inc('care_device_state_errors_total')
    this.#d.log.error({ err: error, elderId }, 'fence state not stored')
  }

  #reject(deviceId: string, leaf: string, reason: string, detail: string): void {
    this.#d.metrics.inc('care_uplinks_rejected_total', { topic: leaf, reason })
    this.#d.log.warn({ deviceId, topic: leaf, reason, detail }, 'uplink dropped')
  }
}

/** What raising a device's silence needs: the registry, the devices' state, the alarm wing, the time. */
export interface OfflineDeps {
  registry: Pick<Registry, 'getDevice'>
  states: Pick<DeviceStates, 'offline'>
  alarms: Pick<AlarmLifecycle, 'raise'>
  clock: Clock
}

/** contract: `device_offline` when a device is silent for 3 × its expected interval (the silence watch's call). */
export function raiseOffline(d: OfflineDeps): (deviceId: string, lastSeenAt: number) => Promise<void> {
  return async (deviceId, lastSeenAt) => {
    const device = d.registry.getDevice(deviceId)
    if (!device) return
    await d.states.offline(deviceId)
    await d.alarms.raise({
      kind: 'device_offline',
      elderId: device.elderId,
      deviceId,
      actor: 'system',
      data: { lastSeenAt, silentForS: Math.round((d.clock.now() - lastSeenAt) / 1000) },
    })
  }
}
