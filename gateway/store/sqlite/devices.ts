import type {
  DeviceStateRepository,
  DeviceStateSnapshot,
  DeviceStatus,
  FenceState,
} from '../../telemetry/ports.ts'
import type { Store } from '../db.ts'
import { deviceLiveOf, fenceOf } from '../rows/devices.ts'
import { Statements } from './statements.ts'

type Row = Record<string, unknown>

/** Devices' live columns and the fence_state table in the SQLite store. */
export class SqliteDeviceStates implements DeviceStateRepository {
  readonly #sql: Statements

  constructor(store: Store) {
    this.#sql = new Statements(store.db)
  }

  async load(): Promise<DeviceStateSnapshot> {
    const devices = this.#sql
      .get(
        `SELECT id, elder_id, interval_s, created_at, last_seen_at, online, battery, fw, last_test_at
         FROM devices`,
      )
      .all() as Row[]
    const fences = this.#sql.get('SELECT elder_id, outside, strikes FROM fence_state').all() as Row[]
    return { devices: devices.map(deviceLiveOf), fences: fences.map(fenceOf) }
  }

  async saveStatus(deviceId: string, status: DeviceStatus): Promise<void> {
    this.#sql
      .get(
        `UPDATE devices SET online = ?, battery = coalesce(?, battery), fw = coalesce(?, fw), last_seen_at = ?
         WHERE id = ?`,
      )
      .run(status.online ? 1 : 0, status.battery ?? null, status.fw ?? null, status.at, deviceId)
  }

  async saveOffline(deviceId: string): Promise<void> {
    this.#sql.get('UPDATE devices SET online = 0 WHERE id = ?').run(deviceId)
  }

  async saveTestPress(deviceId: string, at: number): Promise<void> {
    this.#sql.get('UPDATE devices SET last_test_at = ? WHERE id = ?').run(at, deviceId)
  }

  async saveFence(elderId: string, state: FenceState, at: number): Promise<void> {
    this.#sql
      .get(
        `INSERT INTO fence_state (elder_id, outside, strikes, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(elder_id) DO UPDATE SET outside = excluded.outside, strikes = excluded.strikes,
           updated_at = excluded.updated_at`,
      )
      .run(elderId, state.outside ? 1 : 0, state.strikes, at)
  }

  async lastHeard(deviceId: string): Promise<number | undefined> {
    const row = this.#sql.get('SELECT last_seen_at FROM devices WHERE id = ?').get(deviceId) as
      | { last_seen_at: number | null }
      | undefined
    return row?.last_seen_at ?? undefined
  }
}
