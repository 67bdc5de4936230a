/**
 * Calendar days of a time zone, as epoch-millisecond ranges: what the daily charts of the supervision page
 * count by (docs/stats.md, "Charts"). A day runs from one local midnight to the next, so around a daylight
 * saving change it is 23 or 25 hours long.
 */

export interface Day {
  /** `YYYY-MM-DD` in the zone. */
  day: string
  /** The day's part of the window: `[from, to)`. */
  from: number
  to: number
}

/** docs/stats.md: a window of more than this many days has no daily series (its chart would be unreadable). */
export const MAX_DAYS = 1_000

const formats = new Map<string, Intl.DateTimeFormat>()

function format(zone: string): Intl.DateTimeFormat {
  let known = formats.get(zone)
  if (!known) {
    known = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formats.set(zone, known)
  }
  return known
}

/** True for a time zone name this runtime knows (`Asia/Shanghai`, `UTC`…). */
export function isTimeZone(zone: string): boolean {
  try {
    format(zone)
    return true
  } catch {
    return false
  }
}

/** The zone's wall clock at `at`, as the epoch ms that wall clock would be in UTC. */
function wall(zone: string, at: number): number {
  const parts: Record<string, number> = {}
  for (const p of format(zone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((at % 1000) + 1000) % 1000)
}

/** The calendar date (as UTC midnight of that date) that `at` falls on in the zone. */
function dateOf(zone: string, at: number): number {
  const w = wall(zone, at)
  return w - (((w % 86_400_000) + 86_400_000) % 86_400_000)
}

/**
 * The first instant of a calendar date in the zone (its local midnight, or the first minute after it when
 * a clock change skips midnight): the offset is read twice, at a guess and at the corrected guess.
 */
function startOf(zone: string, date: number): number {
  let at = date - (wall(zone, date) - date)
  at = date - (wall(zone, at) - at)
  // a clock change that skips midnight: step forward to where the date begins
  while (dateOf(zone, at) < date) at += 15 * 60_000
  return at
}

const iso = (date: number) => new Date(date).toISOString().slice(0, 10)

/** Every calendar day of the zone that meets `[from, to)`, clipped to it; at most MAX_DAYS + 1. */
export function daysOf(from: number, to: number, zone: string): Day[] {
  const out: Day[] = []
  let date = dateOf(zone, from)
  let start = from
  while (start < to && out.length <= MAX_DAYS) {
    const next = date + 86_400_000
    const end = Math.min(to, startOf(zone, next))
    out.push({ day: iso(date), from: start, to: end })
    date = next
    start = end
  }
  return out
}

/** The zone the gateway runs in: the default for daily series. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}
