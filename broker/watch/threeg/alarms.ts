import type { DeviceEventType } from '../../../kernel/contract/payloads.ts'

/**
 * The alarm half of the 8-digit status word (bits 16–22). The low 16 bits
 * are the watch's standing state and a 4-digit word carries only those, so
 * a 4-digit word has no alarm bits.
 */
export const statusBits = {
  sos: 16,
  lowBattery: 17,
  fenceExit: 18,
  fenceEntry: 19,
  takenOff: 20,
  fall: 21,
  fallToo: 22,
} as const

const bit = (status: number, n: number) => Math.floor(status / 2 ** n) % 2 === 1

/** What an alarm frame (`AL`, `AL_LTE`) raises. */
export interface AlarmFlags {
  sos: boolean
  events: DeviceEventType[]
  /** A fence entry: history, not an alarm (the contract has none). */
  fenceEntry: boolean
}

/**
 * An alarm frame's alarms, from its status word. An `AL` whose word names no
 * alarm bit at all (a 4-digit word, one that does not read, or zeros) is an
 * SOS: the frame exists to alarm, and the button is what most watches send it
 * for — a press is never dropped for a word a maker fills its own way
 * (docs/decisions.md, "An alarm frame without alarm bits").
 */
export function alarmsOf(status: number | undefined, digits: number): AlarmFlags {
  const word = status !== undefined && digits === 8 ? status : 0
  const events: DeviceEventType[] = []
  if (bit(word, statusBits.fall) || bit(word, statusBits.fallToo)) events.push('fall')
  if (bit(word, statusBits.takenOff)) events.push('tamper')
  if (bit(word, statusBits.fenceExit)) events.push('fence_exit')
  if (bit(word, statusBits.lowBattery)) events.push('low_battery')
  const sos = bit(word, statusBits.sos)
  const fenceEntry = bit(word, statusBits.fenceEntry)
  if (!sos && events.length === 0 && !fenceEntry) return { sos: true, events, fenceEntry }
  return { sos, events, fenceEntry }
}
