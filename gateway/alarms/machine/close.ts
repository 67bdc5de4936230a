import type { Outcome as AlarmOutcome } from '../../../kernel/contract/payloads.ts'
import type { Draft } from './draft.ts'

export interface Closing {
  state: 'resolved' | 'cancelled'
  actor: string
  /** The carer closing their own alarm (a carer's `resolve`); absent when the centre or the device closes it. */
  byCarer?: string | undefined
  note?: string | undefined
  outcome?: AlarmOutcome | undefined
  data: Record<string, unknown>
}

/**
 * The one way an alarm closes, whoever closes it: every pending offer is
 * withdrawn, the holder is freed (and told, unless they closed it
 * themselves), the deadlines go, and the elder's device hears the end.
 */
export function close(d: Draft, how: Closing): void {
  const a = d.alarm
  const holder = a.carerId
  const withdrawn = d.pending()
  for (const o of withdrawn) {
    d.setOffer(o.carerId, 'withdrawn')
    d.add('withdrawn', { carerId: o.carerId, actor: 'system' })
  }
  a.state = how.state
  a.resolvedAt = d.now
  if (how.outcome) a.outcome = how.outcome
  d.add(how.state, { actor: how.actor, carerId: how.byCarer, note: how.note, data: how.data })
  d.cancelDeadline('expiry')
  d.cancelDeadline('reminder')
  d.cancelDeadline('response')
  for (const o of withdrawn) d.task('withdrawn', o.carerId, o)
  // closed by the centre or the device, not by the holder's own `resolve`: their phone must drop it
  if (holder && holder !== how.byCarer && !withdrawn.some((o) => o.carerId === holder)) {
    d.task('withdrawn', holder, d.offerOf(holder) ?? { distanceM: 0, etaMin: 0 })
  }
  if (holder) d.free(holder)
  d.notify(how.state)
}
