import type { FenceState } from './fence.ts'
import type { DeviceLive, DeviceStateRepository, DeviceStatus } from './ports.ts'

/** The registry's part of a device that telemetry reads on every uplink. */
export interface DeviceRecord {
  id: string
  elderId: string
  intervalS: number
  createdAt: number
}

const home: FenceState = Object.freeze({ outside: false, strikes: 0 })

/**
 * Every device's live state and every elder's fence state, in memory: loaded through the
 * repository at start and written through it on every change, so an uplink reads what it needs
 * without waiting on the store (docs/architecture.md, "Hot reads come from memory the domain owns").
 * When a device was last heard is kept here as it happens and stored by the telemetry writer's
 * next batch, with its fixes.
 */
export class DeviceStates {
  readonly #repo: DeviceStateRepository
  readonly #devices = new Map<string, DeviceLive>()
  readonly #fences = new Map<string, FenceState>()

  constructor(repo: DeviceStateRepository) {
    this.#repo = repo
  }

  async load(): Promise<void> {
    const { devices, fences } = await this.#repo.load()
    this.#devices.clear()
    this.#fences.clear()
    for (const device of devices) this.#devices.set(device.id, device)
    for (const { elderId, state } of fences) this.#fences.set(elderId, state)
  }

  all(): IterableIterator<Readonly<DeviceLive>> {
    return this.#devices.values()
  }

  get(deviceId: string): Readonly<DeviceLive> | undefined {
    return this.#devices.get(deviceId)
  }

  /** The registry stored a device, new or changed: its owner and interval change, its live state stays. */
  registered(device: DeviceRecord): DeviceLive {
    const known = this.#devices.get(device.id)
    if (known) {
      known.elderId = device.elderId
      known.intervalS = device.intervalS
      return known
    }
    const { id, elderId, intervalS, createdAt } = device
    const live: DeviceLive = { id, elderId, intervalS, createdAt }
    this.#devices.set(id, live)
    return live
  }

  /** The device was deleted (an erasure): what was held of it goes. */
  forget(deviceId: string): void {
    this.#devices.delete(deviceId)
  }

  /** The elder was erased: their fence state went with them. */
  forgetElder(elderId: string): void {
    this.#fences.delete(elderId)
  }

  /** Any uplink, from the device as the registry holds it (stored by the telemetry writer's next batch). */
  heard(device: DeviceRecord, at: number): void {
    const live = this.#live(device)
    live.lastSeenAt = at
  }

  async status(device: DeviceRecord, status: DeviceStatus): Promise<void> {
    const live = this.#live(device)
    live.online = status.online
    live.lastSeenAt = status.at
    if (status.battery !== undefined) live.battery = status.battery
    if (status.fw !== undefined) live.fw = status.fw
    await this.#repo.saveStatus(device.id, status)
  }

  /** contract: device_offline — silent for 3 × its interval. */
  async offline(deviceId: string): Promise<void> {
    const device = this.#devices.get(deviceId)
    if (device) device.online = false
    await this.#repo.saveOffline(deviceId)
  }

  /** contract: the weekly test press, recorded. */
  async testPressed(deviceId: string, at: number): Promise<void> {
    const device = this.#devices.get(deviceId)
    if (device) device.lastTestAt = at
    await this.#repo.saveTestPress(deviceId, at)
  }

  /** Where the elder stands against their fence; inside with no strikes when nothing is known. */
  fence(elderId: string): FenceState {
    return this.#fences.get(elderId) ?? home
  }

  /** The elder's fence state moved: held at once, settled when stored. */
  setFence(elderId: string, state: FenceState, at: number): Promise<void> {
    this.#fences.set(elderId, state)
    return this.#repo.saveFence(elderId, state, at)
  }

  /** The device's entry, made or brought in line with the registry's record (the hot path: one lookup). */
  #live(device: DeviceRecord): DeviceLive {
    const known = this.#devices.get(device.id)
    if (known && known.elderId === device.elderId && known.intervalS === device.intervalS) return known
    return this.registered(device)
  }
}
