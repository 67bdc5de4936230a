import type { AlarmState } from '../../../gateway/alarms/model.ts'
import type { Outcome } from '../../../kernel/contract/payloads.ts'

/**
 * The shapes the pages read, imported from the gateway's own types (never
 * copied): the alarm model, the live stream and the registry's elder as the
 * API answers it. Only types cross over; the few values the pages need are
 * written here and checked against those types.
 */
export type { Alarm, TimelineEntry } from '../../../gateway/alarms/model.ts'
export type { LiveCarer, LiveMessage } from '../../../gateway/live/hub.ts'
export type { Device, Elder } from '../../../gateway/registry/schemas.ts'

export const openStates: ReadonlySet<string> = new Set<AlarmState>(['open', 'offered', 'accepted', 'arrived'])
export const outcomes = [
  'assisted',
  'false_alarm',
  'hospital',
  'no_answer',
  'other',
] as const satisfies readonly Outcome[]
