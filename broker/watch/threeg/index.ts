import type { DeviceProtocol } from '../protocol.ts'
import { decodeFrame } from './decode.ts'
import { encodeCommand } from './encode.ts'
import { BracketSplitter } from './frames.ts'

/** The "3G" (SeTracker) text protocol of elder watches, badges and locator phones (docs/devices.md). */
export const threeG: DeviceProtocol = {
  name: '3g',
  splitter: (maxFrameBytes) => new BracketSplitter(maxFrameBytes),
  decode: decodeFrame,
  encode: encodeCommand,
}
