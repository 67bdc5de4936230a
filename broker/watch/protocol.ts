import type { DeviceCommand, RadioScan } from '../../kernel/contract/commands.ts'
import type { DeviceUplink } from '../../kernel/contract/topics.ts'

/**
 * A device protocol over TCP, as the listener sees it: bytes in, frames;
 * a frame in, the device it names, the readings it carries and the reply it
 * is owed once they are stored; a command out, bytes. The "3G" watch family
 * is one (./threeg/); a second protocol implements the same and is given to
 * its own listener (docs/devices.md).
 */
export interface DeviceProtocol {
  /** Its name in logs and metrics. */
  readonly name: string
  /** A splitter for one connection's byte stream. */
  splitter(maxFrameBytes: number): FrameSplitter
  /** One whole frame, as the splitter cut it. Pure: `now` is the gateway's clock. */
  decode(frame: Buffer, now: number): Decoded
  /** The frames that carry `command` to a device, in the dialect its own frames used. */
  encode(deviceId: string, command: Downlink, dialect: Dialect): Buffer[]
}

/** What a splitter found in one chunk of the stream. */
export interface Split {
  frames: Buffer[]
  /** Bytes outside any frame, and frames cut short by the next frame's start. */
  garbageBytes: number
  halfFrames: number
  /** Frames refused for their size: never buffered past the limit. */
  oversize: number
}

export interface FrameSplitter {
  push(chunk: Buffer): Split
  /** Bytes held of a frame not yet complete. */
  readonly pending: number
}

/** How a device frames what it says (its maker letters, an index field): replies and commands use the same. */
export type Dialect = Readonly<Record<string, string>>

/** One reading in the contract's shape (kernel/contract/payloads.ts), for the gateway's ingest. */
export interface Reading {
  leaf: DeviceUplink
  payload: Record<string, unknown>
}

export type Decoded = DecodedFrame | { ok: false; reason: string; detail: string }

export interface DecodedFrame {
  ok: true
  deviceId: string
  dialect: Dialect
  /** The frame's type as the device named it (`LK`, `UD2`, `AL`…), for logs. */
  type: string
  /** What sort of frame it is: a bounded label for metrics (a device names types at will). */
  kind: FrameKind
  /** It carries an alarm (paced by the alarm bucket, never dropped). */
  alarm: boolean
  readings: Reading[]
  /** Cells and Wi-Fi heard without a fix. */
  scan?: RadioScan
  /** Sent once every reading is stored. */
  reply?: Buffer
  /** The device answered one of our commands (its type). */
  answered?: string
  /** What the decoder noticed without refusing the frame (`length_mismatch`, `no_fix`…): a few fixed words. */
  notes: string[]
}

export type FrameKind = 'heartbeat' | 'position' | 'alarm' | 'vitals' | 'echo' | 'answer' | 'media' | 'other'

/** A command of the contract, or one only the gateway itself sends. */
export type Downlink = DeviceCommand | { command: 'power_off' }
