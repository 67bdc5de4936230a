import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addDays, dayAt, dayNumber, dayOfNumber, endOfDay, weekday } from '../../gateway/visits/days.ts'
import {
  defaultCadence,
  dueDays,
  missedAt,
  nextDue,
  overdue,
  perGrade,
  riskGrades,
  type VisitPlan,
} from '../../gateway/visits/plan.ts'

const plan = (over: Partial<VisitPlan> = {}): VisitPlan => ({
  elderId: 'E001',
  risk: 'high',
  since: '2026-11-30', // a Monday
  ...over,
})

describe('civil days', () => {
  it('are written YYYY-MM-DD and nothing else', () => {
    for (const bad of [' 2026-01-05', '2026-01-05x', '2026-1-5', '2026-02-30']) {
      expect(() => dayNumber(bad), bad).toThrow(/not a day/)
    }
  })

  it('count, name and step over months, years and leap days', () => {
    expect(dayNumber('1970-01-01')).toBe(0)
    expect(dayOfNumber(dayNumber('2028-02-28') + 1)).toBe('2028-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(weekday('2026-11-30')).toBe(1)
    expect(weekday('2026-12-06')).toBe(0)
    expect(() => dayNumber('2026-02-30')).toThrow('not a day')
    expect(() => dayNumber('30/11/2026')).toThrow('not a day')
  })

  it('end at local midnight: in China at 16:00 UTC, across a daylight-saving change where there is one', () => {
    expect(endOfDay('2026-11-30', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 30, 16))
    // Berlin springs forward on 2026-03-29: the day before ends at 23:00 UTC (CET), that day at 22:00 UTC (CEST)
    expect(endOfDay('2026-03-28', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 23))
    expect(endOfDay('2026-03-29', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 22))
    expect(dayAt(Date.UTC(2026, 10, 30, 15, 59, 59), 'Asia/Shanghai')).toBe('2026-11-30')
    expect(dayAt(Date.UTC(2026, 10, 30, 16), 'Asia/Shanghai')).toBe('2026-12-01')
  })

  it('an instant falls on the day whose end is after it, and the day before ended at or before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) }), (at) => {
        for (const zone of ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York']) {
          const day = dayAt(at, zone)
          expect(endOfDay(day, zone)).toBeGreaterThan(at)
          expect(endOfDay(addDays(day, -1), zone)).toBeLessThanOrEqual(at)
        }
      }),
    )
  })
})

describe('visit plans', () => {
  it('are due first on the plan’s first day, then a cadence after each visit done, by risk grade', () => {
    expect(nextDue(plan(), undefined)).toBe('2026-11-30')
    expect(nextDue(plan({ risk: 'high' }), '2026-11-30')).toBe('2026-12-07')
    expect(nextDue(plan({ risk: 'medium' }), '2026-11-30')).toBe('2026-12-14')
    expect(nextDue(plan({ risk: 'low' }), '2026-11-30')).toBe('2026-12-30')
    expect(nextDue(plan({ risk: 'safe' }), '2026-11-30')).toBe('2027-01-29')
    // the settings may change the cadence
    expect(nextDue(plan(), '2026-11-30', { ...defaultCadence, high: 3 })).toBe('2026-12-03')
  })

  it('fall on the plan’s weekdays: the first of them on or after the cadence point', () => {
    // Wednesdays only: from Monday the 30th, the first visit is Wednesday 2 December
    expect(nextDue(plan({ weekdays: [3] }), undefined)).toBe('2026-12-02')
    // done on Wednesday the 2nd: a week later is Wednesday the 9th
    expect(nextDue(plan({ weekdays: [3] }), '2026-12-02')).toBe('2026-12-09')
    // done early, on Friday the 4th: a week later is Friday the 11th, and the next Wednesday after it the 16th
    expect(nextDue(plan({ weekdays: [3] }), '2026-12-04')).toBe('2026-12-16')
    expect(() => nextDue(plan({ weekdays: [7] }), undefined)).toThrow('no weekday')
  })

  it('list the days due in a window, and a new risk grade re-plans from the last visit done', () => {
    expect(dueDays(plan(), '2026-11-30', '2026-12-01', '2026-12-31')).toEqual([
      '2026-12-07',
      '2026-12-14',
      '2026-12-21',
      '2026-12-28',
    ])
    expect(dueDays(plan({ risk: 'low' }), '2026-11-30', '2026-12-01', '2026-12-31')).toEqual(['2026-12-30'])
    expect(dueDays(plan(), undefined, '2026-11-01', '2026-11-29')).toEqual([])
    // both ends of the window are in it, and a due day before it is not
    expect(dueDays(plan(), '2026-11-30', '2026-12-07', '2026-12-14')).toEqual(['2026-12-07', '2026-12-14'])
    expect(dueDays(plan(), undefined, '2026-12-01', '2026-12-08')).toEqual(['2026-12-07'])
  })

  it('read one figure per grade from a setting, high first, and refuse anything but whole days from 1', () => {
    expect(perGrade('7,14,30,60')).toEqual(defaultCadence)
    expect(perGrade('10,15,20,30')).toEqual({ high: 10, medium: 15, low: 20, safe: 30 })
    expect(perGrade('1,1,1,1')).toEqual({ high: 1, medium: 1, low: 1, safe: 1 })
    for (const bad of ['7,14,30', '7,14,x,60', '7,0,30,60', '7,1.5,30,60', '']) {
      expect(() => perGrade(bad), bad).toThrow(/cadence of (high|medium|low|safe)/)
    }
  })

  it('any plan: due days rise, fall on allowed weekdays, a cadence apart — to within the week the weekdays allow', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...riskGrades),
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 7 }),
        fc.integer({ min: 0, max: 2_000 }),
        (risk, weekdays, offset) => {
          const since = addDays('2026-01-01', offset)
          const p = plan({ risk, weekdays, since })
          const days = dueDays(p, undefined, since, addDays(since, 365))
          const step = defaultCadence[risk]
          expect(days.length).toBeGreaterThan(0)
          days.forEach((day, i) => {
            if (weekdays.length > 0) expect(weekdays).toContain(weekday(day))
            if (i === 0) return
            const gap = dayNumber(day) - dayNumber(days[i - 1] as string)
            expect(gap).toBeGreaterThanOrEqual(step)
            expect(gap).toBeLessThan(weekdays.length > 0 ? step + 7 : step + 1)
          })
        },
      ),
    )
  })

  it('are overdue once the due day has passed undone, and missed at the end of that day plus the grace', () => {
    expect(overdue(plan(), '2026-11-30', '2026-12-07')).toBe(false)
    expect(overdue(plan(), '2026-11-30', '2026-12-08')).toBe(true)
    const grace = 6 * 3_600_000
    expect(missedAt('2026-12-07', 'Asia/Shanghai', grace)).toBe(Date.UTC(2026, 11, 7, 16) + grace)
  })
})
