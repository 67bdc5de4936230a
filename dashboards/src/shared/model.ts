/** The shapes the pages read, as the contract (docs/contract.md) and the live stream give them. */
export interface Alarm {
  id: string
  kind: string
  priority: 1 | 2 | 3 | 4
  state: 'open' | 'offered' | 'accepted' | 'arrived' | 'resolved' | 'cancelled'
  escalated: boolean
  elderId: string
  deviceId?: string
  carerId?: string
  raisedAt: number
  acceptedAt?: number
  arrivedAt?: number
  resolvedAt?: number
  outcome?: string
  arrivalFlagged?: boolean
  arrivalDistanceM?: number
  lat: number
  lon: number
}

export interface TimelineEntry {
  seq: number
  type: string
  at: number
  actor?: string
  carerId?: string
  note?: string
}

export interface LiveCarer {
  id: string
  name: string
  duty: 'on' | 'off'
  busy: boolean
  mode: string
  position?: { lat: number; lon: number; at: number }
}

export interface Elder {
  id: string
  name: string
  phone?: string
  address?: string
  grid?: string[]
  home: { lat: number; lon: number }
  risk?: string
  notes?: string
  contacts?: { name: string; relation?: string; phone: string }[]
}

export type LiveMessage =
  | { type: 'snapshot'; seq: number; at: number; alarms: Alarm[]; carers: LiveCarer[] }
  | { seq: number; at: number; type: 'alarm'; grid: string[]; alarm: Alarm; entry: TimelineEntry }
  | { seq: number; at: number; type: 'carer'; carer: LiveCarer }
  | { seq: number; at: number; type: 'device'; grid: string[]; device: { id: string; online: boolean } }

export const openStates: ReadonlySet<string> = new Set(['open', 'offered', 'accepted', 'arrived'])
export const outcomes = ['assisted', 'false_alarm', 'hospital', 'no_answer', 'other'] as const
