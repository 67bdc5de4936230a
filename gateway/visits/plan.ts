import { addDays, type Day, dayNumber, endOfDay, weekday } from './days.ts'

/**
 * Visit plans (issue "Care between emergencies"): each elder is visited at a cadence set by their
 * risk grade — high weekly, medium every two weeks, low monthly, safe every two months by default —
 * optionally only on fixed weekdays. Pure: the due days follow from the elder's plan, the last
 * visit done and the settings; a change of risk grade re-plans from the last visit, so future
 * visits follow the new grade at once.
 */

export const riskGrades = ['high', 'medium', 'low', 'safe'] as const
export type RiskGrade = (typeof riskGrades)[number]

/** Days between two visits, per risk grade. */
export type Cadence = Readonly<Record<RiskGrade, number>>

/** 高风险每周、中风险每两周、低风险每月、基本安全每两月 (settings may change them). */
export const defaultCadence: Cadence = { high: 7, medium: 14, low: 30, safe: 60 }

/**
 * A setting with one figure per risk grade, high first (`"7,14,30,60"`, CARE_VISIT_CADENCE_DAYS;
 * `"10,15,20,30"`, CARE_RESPONSE_MIN).
 */
export function perGrade(setting: string): Cadence {
  const [high, medium, low, safe] = setting.split(',').map(Number)
  const days = { high, medium, low, safe }
  for (const [grade, n] of Object.entries(days)) {
    if (n === undefined || !Number.isInteger(n) || n < 1) throw new Error(`cadence of ${grade}: ${n}`)
  }
  return days as Cadence
}

export interface VisitPlan {
  elderId: string
  risk: RiskGrade
  /** Weekdays a visit may fall on (0 = Sunday … 6 = Saturday); none: any day. */
  weekdays?: readonly number[] | undefined
  /** The day the plan starts (the elder's registration), when no visit was done yet. */
  since: Day
}

/**
 * The day the next visit is due: a cadence after the last visit done (or on the plan's first day
 * when none was), moved forward to the first of the plan's weekdays on or after it.
 */
export function nextDue(plan: VisitPlan, lastDone: Day | undefined, cadence: Cadence = defaultCadence): Day {
  const base = lastDone === undefined ? plan.since : addDays(lastDone, cadence[plan.risk])
  return onAllowedDay(base, plan.weekdays)
}

/**
 * The visits due from `from` to `to` (both included) if each is done on its due day: the first
 * is `nextDue`, each next a cadence later (on an allowed weekday). A due day before `from` that
 * was not done is overdue, not listed again here (`overdue` says so).
 */
export function dueDays(
  plan: VisitPlan,
  lastDone: Day | undefined,
  from: Day,
  to: Day,
  cadence: Cadence = defaultCadence,
): Day[] {
  const days: Day[] = []
  let due = nextDue(plan, lastDone, cadence)
  const end = dayNumber(to)
  for (let guard = 0; dayNumber(due) <= end && guard < 1_000; guard++) {
    if (dayNumber(due) >= dayNumber(from)) days.push(due)
    due = nextDue(plan, due, cadence)
  }
  return days
}

/** Whether the next visit is overdue on `today`: its due day has passed and it was not done. */
export function overdue(
  plan: VisitPlan,
  lastDone: Day | undefined,
  today: Day,
  cadence: Cadence = defaultCadence,
): boolean {
  return dayNumber(nextDue(plan, lastDone, cadence)) < dayNumber(today)
}

/**
 * The instant a visit due on `day` counts as missed (a `visit_missed` alarm): the end of the due
 * day in the elder's time zone, plus a grace.
 */
export function missedAt(day: Day, timeZone: string, graceMs: number): number {
  return endOfDay(day, timeZone) + graceMs
}

function onAllowedDay(day: Day, weekdays: readonly number[] | undefined): Day {
  if (!weekdays || weekdays.length === 0) return day
  for (let i = 0; i < 7; i++) {
    const d = addDays(day, i)
    if (weekdays.includes(weekday(d))) return d
  }
  throw new Error(`no weekday in ${JSON.stringify(weekdays)}`)
}
