import type { CancelPayload } from '../../../kernel/contract/payloads.ts'
import type { MessageRecord } from '../ports.ts'
import { close } from './close.ts'
import { emptyDecision, type Outcome } from './decision.ts'
import type { Draft } from './draft.ts'

export type CancelResult = 'cancelled' | 'noted' | 'ignored'

/**
 * contract: `cancel` within the grace (30 s, the boundary included) of the
 * sos closes the alarm as cancelled (still on the board for a call-back);
 * later it only adds a note. A cancel naming no open alarm is remembered and
 * ignored; a retransmitted one never acts twice.
 */
export function cancelFromDevice(
  d: Draft | undefined,
  deviceId: string,
  payload: CancelPayload,
  topic: string,
  now: number,
  graceMs: number,
): Outcome<CancelResult> {
  const message = (alarmId: string | null): MessageRecord => ({
    deviceId,
    msgId: payload.id,
    topic,
    at: now,
    alarmId,
  })
  if (!d) {
    const decision = emptyDecision()
    decision.change.message = message(null)
    return { decision, result: 'ignored' }
  }
  const a = d.alarm
  d.remember(message(a.id))
  if (now - a.raisedAt > graceMs) {
    d.add('note', { actor: deviceId, note: 'cancel_after_grace', data: { deviceTs: payload.ts } })
    return { decision: d.done(), result: 'noted' }
  }
  close(d, { state: 'cancelled', actor: deviceId, data: { deviceTs: payload.ts } })
  return { decision: d.done(), result: 'cancelled' }
}
