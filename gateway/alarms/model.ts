import type { DeviceEventType, Outcome } from '../../kernel/contract/payloads.ts'
import type { Priority, Risk } from '../dispatch/types.ts'

export type { Priority, Risk }

/** The contract's alarm model: kinds, priorities, states, timeline entry types. */

export const alarmKinds = [
  'sos',
  'fall',
  'fence_exit',
  'inactivity',
  'vitals',
  'device_offline',
  'low_battery',
  'smoke',
  'gas',
  'water',
  'manual',
  // care between emergencies (docs/visits.md); additive to the contract's list
  'visit_missed',
  'help_needed',
] as const
export type AlarmKind = (typeof alarmKinds)[number]

export const alarmStates = ['open', 'offered', 'accepted', 'arrived', 'resolved', 'cancelled'] as const
export type AlarmState = (typeof alarmStates)[number]

export const openStates: ReadonlySet<AlarmState> = new Set(['open', 'offered', 'accepted', 'arrived'])

export const timelineTypes = [
  'raised',
  'notified',
  'offered',
  'declined',
  'offer_expired',
  'accepted',
  'withdrawn',
  'arrived',
  'resolved',
  'escalated',
  'cancelled',
  'note',
  'reassigned',
  // a call-back or the elder's family rated the service; additive to the contract's list
  'rated',
  // nobody arrived by the elder's graded response deadline (docs/visits.md); additive
  'overdue',
] as const
export type TimelineType = (typeof timelineTypes)[number]

/** Who gave a rating: the elder, the family, or the centre's call-back (回访). */
export const ratingSources = ['elder', 'family', 'callback'] as const
export type RatingSource = (typeof ratingSources)[number]

export interface Rating {
  /** 1 (very dissatisfied) to 5 (very satisfied). */
  score: 1 | 2 | 3 | 4 | 5
  by: RatingSource
  note?: string | undefined
}

export interface Alarm {
  id: string
  kind: AlarmKind
  priority: Priority
  state: AlarmState
  escalated: boolean
  elderId: string
  deviceId?: string
  carerId?: string
  raisedAt: number
  acceptedAt?: number
  arrivedAt?: number
  resolvedAt?: number
  outcome?: Outcome
  arrivalDistanceM?: number
  /** Arrival checked in more than the flag distance from the elder (contract: > 200 m). */
  arrivalFlagged?: boolean
  /** When nobody had arrived by the elder's graded response deadline (docs/visits.md). */
  overdueAt?: number
  /** Where help is needed: the device's fix, else the elder's home. */
  lat: number
  lon: number
  /** Dispatch round in progress (0 before the first offer). */
  round: number
  /** Last timeline seq written. */
  seq: number
  updatedAt: number
}

export interface TimelineEntry {
  seq: number
  type: TimelineType
  at: number
  actor?: string
  carerId?: string
  note?: string
  data?: Record<string, unknown>
}

/** Which alarm kind a device `event` opens; `door` is history only. */
export function kindOfEvent(type: DeviceEventType): AlarmKind | undefined {
  switch (type) {
    case 'fall':
    case 'inactivity':
    case 'fence_exit':
    case 'vitals':
    case 'low_battery':
    case 'smoke':
    case 'gas':
    case 'water':
      return type
    case 'tamper':
    case 'power_off':
      return 'device_offline'
    case 'door':
      return undefined
  }
}
