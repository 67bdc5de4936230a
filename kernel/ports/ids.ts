import { randomBytes } from 'node:crypto'

/** Makes identifiers for new records; injected so tests can predict them. */
export interface Ids {
  alarmId(at: number): string
}

/**
 * Alarm ids sort by time and read well on a phone call:
 * `A` + yyyymmdd-hhmmss (UTC) + 4 random base32 characters.
 */
export const randomIds: Ids = {
  alarmId(at) {
    return `A${timeStamp(at)}-${base32(randomBytes(4)).slice(0, 6)}`
  },
}

/** `yyyymmdd-hhmmss` (UTC): the sortable, readable time part of the ids the gateway makes. */
export function timeStamp(at: number): string {
  const d = new Date(at).toISOString()
  return `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}-${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)}`
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

function base32(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes)
    out += (ALPHABET[b % ALPHABET.length] ?? 'x') + (ALPHABET[(b >> 3) % ALPHABET.length] ?? 'x')
  return out
}

/** Predictable ids for tests: A0001, A0002, ... */
export function sequentialIds(prefix = 'A'): Ids {
  let n = 0
  return {
    alarmId: () => `${prefix}${String(++n).padStart(4, '0')}`,
  }
}
