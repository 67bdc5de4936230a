import type { OutboxAppended } from '../../../gateway/history/ports.ts'
import type { FenceState } from '../../../gateway/telemetry/fence.ts'
import type {
  DeviceLive,
  DeviceStateRepository,
  DeviceStateSnapshot,
  DeviceStatus,
  PositionRow,
  TelemetryBatch,
  TelemetryRepository,
  VitalsRow,
} from '../../../gateway/telemetry/ports.ts'
import type { MemoryOutbox } from './history.ts'

/**
 * Devices' live state and fence states in memory, for testing DeviceStates without SQLite: what
 * each call stored, and a switch that makes the next writes fail, as a full disk would.
 */
export class MemoryDeviceStates implements DeviceStateRepository {
  readonly devices = new Map<string, DeviceLive>()
  readonly fences = new Map<string, FenceState & { at: number }>()
  /** Every write, in order, as `kind:id`. */
  readonly writes: string[] = []
  /** The next this-many writes fail and store nothing. */
  failNext = 0

  constructor(devices: DeviceLive[] = []) {
    for (const d of devices) this.devices.set(d.id, { ...d })
  }

  async load(): Promise<DeviceStateSnapshot> {
    return {
      devices: [...this.devices.values()].map((d) => ({ ...d })),
      fences: [...this.fences].map(([elderId, { outside, strikes }]) => ({
        elderId,
        state: { outside, strikes },
      })),
    }
  }

  async saveStatus(deviceId: string, status: DeviceStatus): Promise<void> {
    this.#write(`status:${deviceId}`)
    const d = this.devices.get(deviceId)
    if (!d) return
    d.online = status.online
    d.lastSeenAt = status.at
    if (status.battery !== undefined) d.battery = status.battery
    if (status.fw !== undefined) d.fw = status.fw
  }

  async lastHeard(deviceId: string): Promise<number | undefined> {
    return this.devices.get(deviceId)?.lastSeenAt
  }

  async saveOffline(deviceId: string): Promise<void> {
    this.#write(`offline:${deviceId}`)
    const d = this.devices.get(deviceId)
    if (d) d.online = false
  }

  async saveTestPress(deviceId: string, at: number): Promise<void> {
    this.#write(`test:${deviceId}`)
    const d = this.devices.get(deviceId)
    if (d) d.lastTestAt = at
  }

  async saveFence(elderId: string, state: FenceState, at: number): Promise<void> {
    this.#write(`fence:${elderId}`)
    this.fences.set(elderId, { ...state, at })
  }

  #write(what: string): void {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('store refused the write')
    }
    this.writes.push(what)
  }
}

/**
 * Positions, vitals and devices' last fix in memory, for testing the telemetry writer without
 * SQLite. A batch is all or nothing, its history lines going to the outbox given (as the SQLite
 * adapter writes them in the batch's transaction).
 */
export class MemoryTelemetry implements TelemetryRepository {
  readonly positions: PositionRow[] = []
  readonly vitals: VitalsRow[] = []
  readonly fixes = new Map<string, PositionRow>()
  readonly seen = new Map<string, number>()
  /** The batches written, in order. */
  readonly batches: TelemetryBatch[] = []
  failNext = 0
  readonly #outbox: MemoryOutbox | undefined

  constructor(outbox?: MemoryOutbox) {
    this.#outbox = outbox
  }

  async write(batch: TelemetryBatch): Promise<OutboxAppended | undefined> {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('store refused the batch')
    }
    this.batches.push(batch)
    for (const p of batch.positions) {
      const at = this.positions.findIndex((x) => x.deviceId === p.deviceId && x.ts === p.ts)
      if (at >= 0) this.positions.splice(at, 1)
      this.positions.push({ ...p })
    }
    for (const v of batch.vitals) this.vitals.push({ ...v, doc: { ...v.doc } })
    for (const p of batch.fixes) {
      const known = this.fixes.get(p.deviceId)
      if (!known || known.ts <= p.ts) this.fixes.set(p.deviceId, { ...p })
    }
    for (const [id, at] of batch.seen) this.seen.set(id, at)
    return batch.history && this.#outbox ? this.#outbox.appendNow(batch.history) : undefined
  }

  async track(deviceId: string, from: number, to: number, limit: number): Promise<PositionRow[]> {
    return this.positions
      .filter((p) => p.deviceId === deviceId && p.ts >= from && p.ts < to)
      .sort((a, b) => a.ts - b.ts)
      .slice(0, limit)
      .map((p) => ({ ...p }))
  }

  async prune(before: number): Promise<number> {
    const keep = (r: { receivedAt: number }) => r.receivedAt >= before
    const removed = this.positions.filter((r) => !keep(r)).length + this.vitals.filter((r) => !keep(r)).length
    this.positions.splice(0, this.positions.length, ...this.positions.filter(keep))
    this.vitals.splice(0, this.vitals.length, ...this.vitals.filter(keep))
    return removed
  }
}
