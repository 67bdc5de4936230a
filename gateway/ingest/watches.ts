import type { DeviceCommand, RadioScan } from '../../kernel/contract/commands.ts'
import type { DeviceUplink } from '../../kernel/contract/topics.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Registry } from '../registry/registry.ts'
import type { Elder } from '../registry/schemas.ts'
import type { DeviceStates } from '../telemetry/devices.ts'
import type { DeviceIngest } from './devices.ts'

export interface WatchIngestDeps {
  registry: Pick<Registry, 'getDevice' | 'getElder'>
  states: Pick<DeviceStates, 'get'>
  devices: Pick<DeviceIngest, 'reading' | 'scan'>
  log: Logger
}

/**
 * What the watch listener's gate does on the gateway's side (docs/devices.md):
 * only a registered device of kind `watch` may talk; its readings go through
 * the same ingest as an MQTT device's; a watch never heard before gets its
 * upload interval and SOS numbers from the registry when it first connects.
 */
export class WatchIngest {
  readonly #d: WatchIngestDeps

  constructor(deps: WatchIngestDeps) {
    this.#d = deps
  }

  async authenticate(deviceId: string): Promise<{ setup: DeviceCommand[] } | null> {
    const device = this.#d.registry.getDevice(deviceId)
    if (device?.kind !== 'watch') return null
    // new: never heard by any path (its last-heard time is kept across restarts)
    if (this.#d.states.get(deviceId)?.lastSeenAt !== undefined) return { setup: [] }
    const elder = this.#d.registry.getElder(device.elderId)
    return { setup: setupOf(device.intervalS, elder) }
  }

  onReading(deviceId: string, leaf: DeviceUplink, payload: Record<string, unknown>): Promise<void> {
    return this.#d.devices.reading(deviceId, leaf, payload)
  }

  onScan(deviceId: string, scan: RadioScan): Promise<void> {
    return this.#d.devices.scan(deviceId, scan)
  }

  /** contract: a device's `status` goes offline when its connection ends (as an MQTT device's will). */
  onClosed(deviceId: string): void {
    this.#d.devices.reading(deviceId, 'status', { online: false }).catch((error: unknown) => {
      this.#d.log.warn({ err: error, deviceId }, 'watch offline status not stored')
    })
  }
}

/**
 * A new watch's settings: its report interval, and the numbers its SOS key calls — the elder's
 * first three contacts, as the registry holds them (docs/decisions.md, "A watch's SOS numbers").
 */
export function setupOf(intervalS: number, elder: Elder | undefined): DeviceCommand[] {
  const setup: DeviceCommand[] = [{ command: 'interval', seconds: intervalS }]
  const numbers = (elder?.contacts ?? [])
    .map((c) => dialable(c.phone))
    .filter((n): n is string => n !== undefined)
    .slice(0, 3)
  if (numbers.length > 0) setup.push({ command: 'sos_numbers', numbers })
  return setup
}

/** A registry phone (`+86 138-0000 0000`) as a watch dials it: digits and a leading `+`. */
function dialable(phone: string): string | undefined {
  const digits = phone.trim().replace(/(?!^\+)[^0-9]/g, '')
  return /^\+?[0-9]{3,20}$/.test(digits) ? digits : undefined
}
