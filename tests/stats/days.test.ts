import { describe, expect, it } from 'vitest'
import { daysOf, isTimeZone } from '../../gateway/stats/days.ts'

const HOUR = 3_600_000
const hours = (d: { from: number; to: number }) => (d.to - d.from) / HOUR

describe('calendar days of a time zone', () => {
  it('runs midnight to midnight, clipped to the window', () => {
    // China Standard Time, UTC+8 all year: midnight is 16:00 UTC the day before
    const days = daysOf(Date.UTC(2026, 0, 5, 8), Date.UTC(2026, 0, 7, 20), 'Asia/Shanghai')
    expect(days).toEqual([
      { day: '2026-01-05', from: Date.UTC(2026, 0, 5, 8), to: Date.UTC(2026, 0, 5, 16) },
      { day: '2026-01-06', from: Date.UTC(2026, 0, 5, 16), to: Date.UTC(2026, 0, 6, 16) },
      { day: '2026-01-07', from: Date.UTC(2026, 0, 6, 16), to: Date.UTC(2026, 0, 7, 16) },
      { day: '2026-01-08', from: Date.UTC(2026, 0, 7, 16), to: Date.UTC(2026, 0, 7, 20) },
    ])
  })

  it('has a 23-hour and a 25-hour day where clocks change', () => {
    // Central Europe: clocks go forward on 29 March 2026 and back on 25 October 2026; the window runs
    // from 01:00 local on the 28th (UTC+1) to 02:00 local on the 31st (UTC+2)
    const spring = daysOf(Date.UTC(2026, 2, 28), Date.UTC(2026, 2, 31), 'Europe/Berlin')
    expect(spring.map((d) => [d.day, hours(d)])).toEqual([
      ['2026-03-28', 23],
      ['2026-03-29', 23],
      ['2026-03-30', 24],
      ['2026-03-31', 2],
    ])
    const autumn = daysOf(Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 26, 23), 'Europe/Berlin')
    expect(autumn.map((d) => [d.day, hours(d)])).toEqual([
      ['2026-10-25', 25],
      ['2026-10-26', 24],
    ])
  })

  it('starts a day whose midnight a clock change skips at the first minute it has', () => {
    // Cuba moves its clocks forward at midnight (8 March 2026): the day begins at 01:00 local, 05:00 UTC
    const days = daysOf(Date.UTC(2026, 2, 7, 5), Date.UTC(2026, 2, 9, 4), 'America/Havana')
    expect(days.map((d) => [d.day, new Date(d.from).toISOString(), hours(d)])).toEqual([
      ['2026-03-07', '2026-03-07T05:00:00.000Z', 24],
      ['2026-03-08', '2026-03-08T05:00:00.000Z', 23],
    ])
  })

  it('knows time zone names', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true)
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Mars/Olympus')).toBe(false)
  })
})
