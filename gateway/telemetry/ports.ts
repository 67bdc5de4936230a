import type { OutboxAppend, OutboxAppended } from '../history/ports.ts'
import type { FenceState } from './fence.ts'

export type { FenceState }

/** One fix as a device reported it, and when the gateway received it. */
export interface PositionRow {
  deviceId: string
  ts: number
  lat: number
  lon: number
  acc?: number | undefined
  src?: string | undefined
  receivedAt: number
}

/** One vitals reading (the numeric fields of the message) and when the gateway received it. */
export interface VitalsRow {
  deviceId: string
  ts: number
  doc: Record<string, number>
  receivedAt: number
}

/**
 * Cells and Wi-Fi a device heard when it had no fix (a watch's report without GPS), kept for a
 * later look-up of where it was; when the gateway received it.
 */
export interface ScanRow {
  deviceId: string
  ts: number
  cells: { mcc: number; mnc: number; lac: number; cid: number; signal: number }[]
  wifi: { ssid: string; mac: string; signal: number }[]
  receivedAt: number
}

/**
 * What the gateway knows of a device beyond the registry's record: who it belongs to and how
 * often it reports (the registry's, kept beside), and what it last said about itself.
 */
export interface DeviceLive {
  id: string
  elderId: string
  intervalS: number
  /** When the device was registered: its silence counts from here until it is first heard. */
  createdAt: number
  lastSeenAt?: number
  online?: boolean
  battery?: number
  fw?: string
  lastTestAt?: number
}

/** A `status` message, as stored: what it reported and when it was heard. */
export interface DeviceStatus {
  online: boolean
  battery?: number | undefined
  fw?: string | undefined
  at: number
}

/** Devices' live state and elders' fence state, as held at start. */
export interface DeviceStateSnapshot {
  devices: DeviceLive[]
  fences: { elderId: string; state: FenceState }[]
}

/**
 * Devices' live state and each elder's fence hysteresis, kept across restarts. The domain holds
 * them in memory (DeviceStates) and writes every change through here.
 */
export interface DeviceStateRepository {
  load(): Promise<DeviceStateSnapshot>
  /** A status message: online, and battery and firmware when reported (else kept); heard at `at`. */
  saveStatus(deviceId: string, status: DeviceStatus): Promise<void>
  /** contract: a device silent for 3 × its interval counts as offline. */
  saveOffline(deviceId: string): Promise<void>
  /** contract: the weekly test press. */
  saveTestPress(deviceId: string, at: number): Promise<void>
  saveFence(elderId: string, state: FenceState, at: number): Promise<void>
  /** When the store last heard the device (cluster mode: whichever node heard it), if ever. */
  lastHeard(deviceId: string): Promise<number | undefined>
}

/** One flush of the telemetry writer, stored in one transaction. */
export interface TelemetryBatch {
  positions: readonly PositionRow[]
  vitals: readonly VitalsRow[]
  scans: readonly ScanRow[]
  /** Each device's newest fix of the batch (by its time): the device's last known position, unless it knows a newer. */
  fixes: readonly PositionRow[]
  /** When each device was last heard from (any uplink), for the silence watch across restarts. */
  seen: ReadonlyMap<string, number>
  /** The batch's history points, queued in the outbox with it (present when history goes to a TSDB). */
  history?: OutboxAppend | undefined
}

/** Positions, vitals and devices' last fix and last-heard time; the embedded history. */
export interface TelemetryRepository {
  /** The whole batch or none of it; answers what the outbox did when the batch carried history. */
  write(batch: TelemetryBatch): Promise<OutboxAppended | undefined>
  /** contract: GET /devices/{id}/track — positions with `from ≤ ts < to`, oldest first. */
  track(deviceId: string, from: number, to: number, limit: number): Promise<PositionRow[]>
  /** Embedded retention: delete positions, vitals and scans received before `before`; answers how many. */
  prune(before: number): Promise<number>
}
