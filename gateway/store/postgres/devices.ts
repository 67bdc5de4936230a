import type {
  DeviceStateRepository,
  DeviceStateSnapshot,
  DeviceStatus,
  FenceState,
} from '../../telemetry/ports.ts'
import { deviceLiveOf, fenceOf } from '../rows/devices.ts'
import type { PgStore } from './db.ts'

type Row = Record<string, unknown>

/** Devices' live columns and the fence_state table on PostgreSQL. */
export class PgDeviceStates implements DeviceStateRepository {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async load(): Promise<DeviceStateSnapshot> {
    const devices = await this.#store.rows<Row>(
      `SELECT id, elder_id, interval_s, created_at, last_seen_at, online, battery, fw, last_test_at
       FROM devices ORDER BY id`,
    )
    const fences = await this.#store.rows<Row>(
      'SELECT elder_id, outside, strikes FROM fence_state ORDER BY elder_id',
    )
    return { devices: devices.map(deviceLiveOf), fences: fences.map(fenceOf) }
  }

  async saveStatus(deviceId: string, status: DeviceStatus): Promise<void> {
    await this.#store.run(
      `UPDATE devices SET online = ?, battery = coalesce(?, battery), fw = coalesce(?, fw), last_seen_at = ?
       WHERE id = ?`,
      [status.online ? 1 : 0, status.battery ?? null, status.fw ?? null, status.at, deviceId],
    )
  }

  async saveOffline(deviceId: string): Promise<void> {
    await this.#store.run('UPDATE devices SET online = 0 WHERE id = ?', [deviceId])
  }

  async saveTestPress(deviceId: string, at: number): Promise<void> {
    await this.#store.run('UPDATE devices SET last_test_at = ? WHERE id = ?', [at, deviceId])
  }

  async saveFence(elderId: string, state: FenceState, at: number): Promise<void> {
    await this.#store.run(
      `INSERT INTO fence_state (elder_id, outside, strikes, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (elder_id) DO UPDATE SET outside = excluded.outside, strikes = excluded.strikes,
         updated_at = excluded.updated_at`,
      [elderId, state.outside ? 1 : 0, state.strikes, at],
    )
  }

  async lastHeard(deviceId: string): Promise<number | undefined> {
    const row = await this.#store.one<{ last_seen_at: number | null }>(
      'SELECT last_seen_at FROM devices WHERE id = ?',
      [deviceId],
    )
    return row?.last_seen_at ?? undefined
  }
}
