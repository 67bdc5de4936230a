/**
 * Civil days (`2026-11-30`) as visits are planned: a visit is due on a day, not at an instant, and
 * the day is the elder's local one. Arithmetic is on the calendar alone (no time zone, no DST);
 * turning an instant into a day and a day's end into an instant takes the zone.
 */

/** A civil day, `YYYY-MM-DD`. */
export type Day = string

const DAY_MS = 86_400_000
const FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/

/** Days since 1970-01-01 of a civil day (the calendar's own count, no zone). */
export function dayNumber(day: Day): number {
  const m = FORMAT.exec(day)
  if (!m) throw new Error(`not a day: ${day}`)
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (dayOfNumber(ms / DAY_MS) !== day) throw new Error(`not a day: ${day}`)
  return ms / DAY_MS
}

export function dayOfNumber(n: number): Day {
  return new Date(n * DAY_MS).toISOString().slice(0, 10)
}

export function addDays(day: Day, n: number): Day {
  return dayOfNumber(dayNumber(day) + n)
}

/** 0 = Sunday … 6 = Saturday, as `Date.getDay`. */
export function weekday(day: Day): number {
  return (dayNumber(day) + 4) % 7 // 1970-01-01 was a Thursday
}

/** The civil day an instant falls on in a time zone (`Asia/Shanghai`). */
export function dayAt(at: number, timeZone: string): Day {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
  return parts.format(new Date(at))
}

/**
 * The first instant of the day after `day` in a time zone: when the day is over. The zone's
 * offset is taken at that midnight itself (found in two steps: a daylight-saving change in the
 * night after it must not move it).
 */
export function endOfDay(day: Day, timeZone: string): number {
  const local = dayNumber(addDays(day, 1)) * DAY_MS
  const guess = local - offsetAt(local, timeZone)
  return local - offsetAt(guess, timeZone)
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetAt(at: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]))
  const local = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  )
  return local - Math.floor(at / 1000) * 1000
}
