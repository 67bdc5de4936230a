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
  }
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
