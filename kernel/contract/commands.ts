import { z } from 'zod'
import { epochMs } from './payloads.ts'

/**
 * What the centre may ask of a device that speaks a vendor protocol (a "3G"
 * watch over TCP): the HTTP route's body, and what the device adapter turns
 * into frames. One schema, shared by both sides of the edge.
 */

/** A number a watch dials: digits, an optional leading `+` (vendor firmware takes nothing else). */
export const dialNumber = z.string().regex(/^\+?[0-9]{3,20}$/, 'must be a phone number of digits')

export const deviceCommand = z.discriminatedUnion('command', [
  /** Report a position now (`CR`). */
  z.strictObject({ command: z.literal('locate') }),
  /** Report a position every `seconds` (`UPLOAD`). */
  z.strictObject({ command: z.literal('interval'), seconds: z.number().int().min(10).max(86_400) }),
  /** The numbers the SOS key calls, in order (`SOS1`…`SOS3`); those not given are cleared. */
  z.strictObject({ command: z.literal('sos_numbers'), numbers: z.array(dialNumber).min(1).max(3) }),
  /** The centre's number, which the watch answers and calls back (`CENTER`). */
  z.strictObject({ command: z.literal('center'), phone: dialNumber }),
  /** A text shown on the screen (`MESSAGE`). */
  z.strictObject({ command: z.literal('message'), text: z.string().min(1).max(120) }),
  /** Ring, so the elder finds the watch (`FIND`). */
  z.strictObject({ command: z.literal('find') }),
])

export type DeviceCommand = z.infer<typeof deviceCommand>
export type DeviceCommandName = DeviceCommand['command']

/**
 * Cells and Wi-Fi access points a device heard when it had no fix: kept so a
 * position can be looked up later (a cell or Wi-Fi location service).
 */
export const radioScan = z.object({
  ts: epochMs,
  cells: z
    .array(
      z.object({
        mcc: z.number().int().min(0).max(999),
        mnc: z.number().int().min(0).max(999),
        lac: z.number().int().min(0).max(0xffffffff),
        cid: z.number().int().min(0).max(0xfffffffff),
        signal: z.number(),
      }),
    )
    .max(16),
  wifi: z
    .array(
      z.object({
        ssid: z.string().max(64),
        mac: z.string().regex(/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/, 'must be a MAC address'),
        signal: z.number(),
      }),
    )
    .max(16),
})

export type RadioScan = z.infer<typeof radioScan>
