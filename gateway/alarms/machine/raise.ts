import type { Ids } from '../../../kernel/ports/ids.ts'
import type { Priority } from '../../dispatch/types.ts'
import { type Elder, gridKey } from '../../registry/schemas.ts'
import type { Alarm, AlarmKind } from '../model.ts'
import { type PriorityTable, priorityOf } from '../priority.ts'
import { ok, type Result, refuse } from '../result.ts'
import { emptyDecision, type Outcome } from './decision.ts'
import { Draft, type Facts } from './draft.ts'
import { nextRound } from './rounds.ts'
import { responseMs } from './timers.ts'

/** An alarm being raised, from whatever edge it came. */
export interface RaiseInput {
  kind: AlarmKind
  elderId: string
  /** The elder, when the caller already holds it (ingest does): not looked up again on the SOS path. */
  elder?: Elder | undefined
  deviceId?: string | undefined
  /** Where help is needed; the elder's home when absent (contract: an sos with no position still alarms). */
  at?: { lat: number; lon: number } | undefined
  actor: string
  priority?: Priority | undefined
  note?: string | undefined
  /** The device message that raised it: (device, id) is recorded so a retransmission never acts twice. */
  message?: { deviceId: string; id: string; topic: string; ts?: number } | undefined
  data?: Record<string, unknown> | undefined
  /**
   * Raised for the dispatch centre, never offered to carers: flagged `escalated` at once (a
   * carer's report that the elder needs help now, a visit missed twice in a row).
   */
  forCentre?: boolean | undefined
}

export type RaiseResult =
  | { status: 'raised'; alarm: Alarm }
  | { status: 'repeated'; alarm: Alarm }
  | { status: 'duplicate'; alarmId: string | null }

/** What raising knows before it decides: the same message seen before, the elder's open alarm of the kind. */
export interface RaiseContext {
  seen: { alarmId: string | null } | undefined
  open: Alarm | undefined
  ids: Ids
  priorities: PriorityTable
}

/** Kinds whose raising the elder hears about at once ("received"). */
const acknowledgedKinds: ReadonlySet<AlarmKind> = new Set(['sos', 'fall', 'smoke', 'gas', 'manual'])

/**
 * contract: raise an alarm, stored before the device's PUBACK; `received`
 * goes out once it is; a retransmitted message never acts twice, and a
 * second alarm of a kind the elder already has open is a note on that one.
 * A new alarm goes straight into its first offer round, in the same change.
 */
export function raise(input: RaiseInput, ctx: RaiseContext, facts: Facts): Outcome<Result<RaiseResult>> {
  const elder = facts.elder
  if (!elder)
    return { decision: emptyDecision(), result: refuse('ELDER_NOT_FOUND', `no elder ${input.elderId}`) }
  const msg = input.message
  if (msg && ctx.seen) {
    const decision = emptyDecision()
    decision.counters.push({ name: 'care_messages_duplicate_total' })
    return { decision, result: ok({ status: 'duplicate', alarmId: ctx.seen.alarmId }) }
  }
  const now = facts.now
  const record = (alarmId: string) =>
    msg && { deviceId: msg.deviceId, msgId: msg.id, topic: msg.topic, at: now, alarmId }
  const heard = input.deviceId !== undefined && acknowledgedKinds.has(input.kind)
  if (ctx.open) {
    const d = new Draft(ctx.open, [], facts)
    d.add('note', { actor: input.actor, note: 'repeated', data: { ...input.data, repeated: true } })
    const m = record(ctx.open.id)
    if (m) d.remember(m)
    // the elder pressing again hears again that help is on its way
    if (heard && input.deviceId) d.notifyDevice(input.deviceId, 'received')
    return { decision: d.done(), result: ok({ status: 'repeated', alarm: d.alarm }) }
  }
  const point = input.at ?? elder.home
  const alarm: Alarm = {
    id: ctx.ids.alarmId(now),
    kind: input.kind,
    priority: input.priority ?? priorityOf(input.kind, elder.risk, ctx.priorities),
    state: 'open',
    escalated: false,
    elderId: input.elderId,
    raisedAt: now,
    lat: point.lat,
    lon: point.lon,
    round: 0,
    seq: 0,
    updatedAt: now,
  }
  if (input.deviceId) alarm.deviceId = input.deviceId
  const d = new Draft(alarm, [], facts, { grid: gridKey(elder.grid), msgId: msg?.id })
  d.add('raised', {
    actor: input.actor,
    note: input.note,
    data: {
      ...input.data,
      ...(msg?.ts !== undefined ? { deviceTs: msg.ts } : {}),
      atHome: input.at === undefined,
    },
  })
  if (heard) {
    d.add('notified', { actor: 'system', data: { state: 'received' } })
    d.notify('received')
  }
  const m = record(alarm.id)
  if (m) d.remember(m)
  d.count('care_alarms_raised_total', { kind: alarm.kind, priority: String(alarm.priority) })
  // graded response deadline: held alarms (priority 4) wait for the centre and have none
  if (alarm.priority < 4) d.armResponse(now + responseMs(facts.rules, elder.risk))
  if (input.forCentre) {
    d.alarm.escalated = true
    d.add('escalated', { actor: 'system', data: { reason: 'for_centre' } })
    d.count('care_alarms_escalated_total', { reason: 'for_centre' })
  } else nextRound(d)
  return { decision: d.done(), result: ok({ status: 'raised', alarm: d.alarm }) }
}
