/**
 * InfluxDB line protocol, written by hand: the outbox stores each point as
 * one finished line, so draining is a read and a POST with no re-encoding.
 * Every number is written as a float (no `i` suffix) so a field never changes
 * type between points — InfluxDB refuses a batch with a field type conflict.
 */

export type FieldValue = number | string | boolean
export interface Point {
  measurement: string
  tags: Record<string, string | undefined>
  fields: Record<string, FieldValue | undefined>
  /** Epoch milliseconds. */
  ts: number
}

// the fast path matters: most ids and grid names need no escaping, and this runs for every fix
const needsKeyEscape = /[,= \\\n]/
const needsMeasurementEscape = /[, \\]/
/** Escaped forms of the few strings that need it (street names with spaces, mostly). */
const escaped = new Map<string, string>()
function escapeKey(s: string): string {
  if (!needsKeyEscape.test(s)) return s
  let e = escaped.get(s)
  if (e === undefined) {
    e = s.replace(/[,= \\]/g, '\\$&').replace(/\n/g, ' ')
    if (escaped.size < 10_000) escaped.set(s, e)
  }
  return e
}
const escapeMeasurement = (s: string) => (needsMeasurementEscape.test(s) ? s.replace(/[, \\]/g, '\\$&') : s)
const escapeString = (s: string) => `"${s.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\n')}"`
/** Tag keys sorted once per key set, not once per point. */
const sortedKeys = new Map<string, string[]>()
function tagOrder(tags: Record<string, unknown>): string[] {
  const keys = Object.keys(tags)
  const id = keys.join(',')
  let sorted = sortedKeys.get(id)
  if (!sorted) {
    sorted = [...keys].sort()
    if (sortedKeys.size < 1_000) sortedKeys.set(id, sorted)
  }
  return sorted
}

/** One line with tags sorted (InfluxDB's canonical order), or `undefined` when no field has a value. */
export function toLine(point: Point): string | undefined {
  let line = escapeMeasurement(point.measurement)
  for (const key of tagOrder(point.tags)) {
    const value = point.tags[key]
    // line protocol has no empty tag values; an unknown grid level is simply left out
    if (value === undefined || value === '') continue
    line += `,${escapeKey(key)}=${escapeKey(value)}`
  }
  const fields: string[] = []
  for (const [key, value] of Object.entries(point.fields)) {
    if (value === undefined) continue
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue
      fields.push(`${escapeKey(key)}=${value}`)
    } else if (typeof value === 'boolean') fields.push(`${escapeKey(key)}=${value}`)
    else fields.push(`${escapeKey(key)}=${escapeString(value)}`)
  }
  if (fields.length === 0) return undefined
  return `${line} ${fields.join(',')} ${Math.round(point.ts)}`
}

/**
 * Whether a line carries the tag `key=value` (an erased elder's points): the same test the outbox's
 * purge makes in the store, a tag being followed by another tag or by the fields.
 */
export function carriesTag(line: string, tag: string): boolean {
  return line.includes(`,${tag},`) || line.includes(`,${tag} `)
}
