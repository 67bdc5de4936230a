import type { DispatchRules, Risk } from '../../dispatch/types.ts'
import type { Deadline } from './decision.ts'
import type { Draft } from './draft.ts'
import { DEFAULT_REMINDER_ETA_MIN, REMINDER_GRACE_MS } from './replies.ts'
import { lapse, nextRound } from './rounds.ts'

/** A deadline came: an offer round's expiry, or the holder's reminder. */
export function deadline(d: Draft, due: Deadline): void {
  switch (due.kind) {
    case 'expiry':
      return lapse(d, due.round)
    case 'reminder':
      return remind(d, due.carerId)
    case 'response':
      return overdue(d)
  }
}

/** The elder's graded response deadline, in ms from raised. */
export function responseMs(rules: DispatchRules, risk: Risk): number {
  return rules.responseMin[risk] * 60_000
}

/**
 * Graded response (docs/visits.md): nobody at the elder's side by the deadline of their risk grade —
 * the alarm is marked overdue (once), for the centre: the board, the figures, the integration
 * events. The holder is not reminded for it: they are reminded past their own ETA, which they were
 * given when they accepted.
 */
function overdue(d: Draft): void {
  const a = d.alarm
  if (a.overdueAt !== undefined || !(a.state === 'open' || a.state === 'offered' || a.state === 'accepted'))
    return
  a.overdueAt = d.now
  const risk = d.facts.elder?.risk ?? 'medium'
  d.add('overdue', {
    actor: 'system',
    data: { deadlineMin: d.facts.rules.responseMin[risk], state: a.state },
  })
  d.count('care_alarms_overdue_total', { risk })
}

/** Remind the holder once, five minutes past their own ETA, unless they arrived or no longer hold it. */
function remind(d: Draft, carerId: string): void {
  const a = d.alarm
  if (a.state !== 'accepted' || a.carerId !== carerId) return
  d.task('reminder', carerId, d.offerOf(carerId) ?? { distanceM: 0, etaMin: 0 })
  d.count('care_reminders_total')
}

/**
 * contract: open alarms and their deadlines are rebuilt from the store at
 * start — a pending round's expiry, an accepted alarm's reminder — and an
 * alarm caught between rounds gets its next one. Returns whether a deadline
 * or a round was set.
 */
export function restore(d: Draft): boolean {
  const a = d.alarm
  const waiting = a.state === 'open' || a.state === 'offered' || a.state === 'accepted'
  if (waiting && a.priority < 4 && a.overdueAt === undefined) {
    d.armResponse(a.raisedAt + responseMs(d.facts.rules, d.facts.elder?.risk ?? 'medium'))
  }
  if (a.state === 'accepted' && a.carerId) {
    const etaMin = d.offerOf(a.carerId)?.etaMin ?? DEFAULT_REMINDER_ETA_MIN
    d.armReminder(a.carerId, (a.acceptedAt ?? d.now) + etaMin * 60_000 + REMINDER_GRACE_MS)
    return true
  }
  if (a.state !== 'open' && a.state !== 'offered') return false
  const pending = d.pending()
  if (pending.length > 0) {
    d.armExpiry(a.round, Math.max(...pending.map((o) => o.expiresAt)))
    return true
  }
  if (a.escalated) return false
  nextRound(d)
  return true
}
