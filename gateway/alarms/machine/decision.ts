import type { NotifyMessage, TaskMessage } from '../../../kernel/contract/payloads.ts'
import type { AuditEntry } from '../../../kernel/observe/audit.ts'
import type { HistogramName } from '../../../kernel/observe/catalog.ts'
import type { Alarm, TimelineEntry } from '../model.ts'
import type { AlarmChange } from '../ports.ts'

/** A deadline the shell arms on the scheduler; when it comes, the event goes back to the machine. */
export type Deadline =
  | { kind: 'expiry'; alarmId: string; at: number; round: number }
  | { kind: 'reminder'; alarmId: string; at: number; carerId: string }
  | { kind: 'response'; alarmId: string; at: number }

export type DeadlineKind = Deadline['kind']

/** A downlink to send once the change is stored. */
export type Send =
  | { to: 'device'; deviceId: string; message: NotifyMessage }
  | { to: 'carer'; carerId: string; message: TaskMessage }

/** What the carer book must learn: who now holds an alarm, who is free, who accepted. */
export interface CarerEffects {
  busy: string[]
  free: string[]
  accepted: string[]
}

/**
 * Everything one event does, decided by a pure function and applied by the
 * shell: store the change in one transaction, then arm and cancel the
 * deadlines, tell the carer book, send the downlinks, and tell the listeners
 * each new timeline entry. Counters, spans and audit entries are the
 * decision's own account of itself.
 */
export interface Decision {
  change: AlarmChange
  /** Each new entry with the alarm as it was right after it (listeners: live board, events, history). */
  emitted: { alarm: Alarm; entry: TimelineEntry }[]
  deadlines: { arm: Deadline[]; cancel: { alarmId: string; kind: DeadlineKind }[] }
  sends: Send[]
  carers: CarerEffects
  counters: { name: string; labels?: Record<string, string>; by?: number }[]
  spans: { name: HistogramName; kind: string; from: number | undefined; to: number }[]
  audit: AuditEntry[]
}

/** A decision together with what the caller is answered. */
export interface Outcome<T> {
  decision: Decision
  result: T
}

export function emptyDecision(): Decision {
  return {
    change: { entries: [], offers: { insert: [], status: [] } },
    emitted: [],
    deadlines: { arm: [], cancel: [] },
    sends: [],
    carers: { busy: [], free: [], accepted: [] },
    counters: [],
    spans: [],
    audit: [],
  }
}

/** Whether applying the decision would store anything. */
export function stores(decision: Decision): boolean {
  const c = decision.change
  return (
    c.alarm !== undefined ||
    c.entries.length > 0 ||
    c.offers.insert.length > 0 ||
    c.offers.status.length > 0 ||
    c.message !== undefined
  )
}
