import type { Page } from '../../kernel/contract/page.ts'
import type { Alarm, AlarmKind, AlarmState, TimelineEntry } from './model.ts'
import type { OfferRecord, OfferStatus } from './offers.ts'

export type { Page }

export interface AlarmFilter {
  state?: readonly AlarmState[] | undefined
  kind?: readonly AlarmKind[] | undefined
  /** A grid path prefix (levels joined by `/`). */
  grid?: string | undefined
  from?: number | undefined
  to?: number | undefined
  elderId?: string | undefined
  carerId?: string | undefined
  /** Closed (resolved or cancelled) alarms without a `rated` entry: the call-back worklist. */
  unrated?: boolean | undefined
  limit: number
  cursor?: string | undefined
}

/** A device message already acted on: the alarm it raised or moved, or none. */
export interface SeenMessage {
  alarmId: string | null
  topic: string
}

/** A device message to remember, so a retransmission never acts twice (contract: `id` makes it idempotent). */
export interface MessageRecord {
  deviceId: string
  msgId: string
  topic: string
  at: number
  alarmId: string | null
}

/**
 * One change of the alarm wing, written in one transaction: the alarm as it
 * now is (created or updated), the timeline entries it gained, its offers'
 * news, the device message it answers. Either all of it is stored or none.
 */
export interface AlarmChange {
  alarm?: { value: Alarm; created?: { grid: string; msgId?: string | undefined } }
  entries: readonly TimelineEntry[]
  offers: { insert: readonly OfferRecord[]; status: readonly { carerId: string; status: OfferStatus }[] }
  message?: MessageRecord
}

/**
 * Another gateway of the cluster stored a change the decision did not see (the alarm moved on, the
 * device message was taken, the elder's alarm of that kind was opened): the change is refused
 * whole and the event is decided again from what is stored now.
 */
export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError'
}

/**
 * The alarm changed since the change was decided: another gateway of the cluster stored its own
 * decision on it first (its row's `seq` moved on). The change is refused whole; decide again from
 * the alarm as it now is.
 */
export class StaleAlarmError extends ConcurrentChangeError {
  readonly alarmId: string

  constructor(alarmId: string, expectedSeq: number) {
    super(
      `alarm ${alarmId} changed meanwhile: its seq is no longer ${expectedSeq}; the change was not stored`,
    )
    this.name = 'StaleAlarmError'
    this.alarmId = alarmId
  }
}

/** The alarms, their timelines, offers and the device message ledger, as the alarm wing needs them. */
export interface AlarmRepository {
  commit(change: AlarmChange): Promise<void>
  get(id: string): Promise<Alarm | undefined>
  offers(alarmId: string): Promise<OfferRecord[]>
  timeline(alarmId: string): Promise<TimelineEntry[]>
  list(filter: AlarmFilter): Promise<Page<Alarm>>
  /** Alarms not resolved or cancelled, oldest first. */
  open(): Promise<Alarm[]>
  /** The elder's open alarm of a kind, if any (a second press becomes a note on it). */
  openOf(elderId: string, kind: AlarmKind): Promise<Alarm | undefined>
  seenMessage(deviceId: string, msgId: string): Promise<SeenMessage | undefined>
  /** A carer's pending offers, the oldest first. */
  pendingOffersOf(carerId: string): Promise<{ alarmId: string; offer: OfferRecord }[]>
  /** Carers holding an accepted or arrived alarm, with the alarm. */
  busyCarers(): Promise<Map<string, string>>
  /** Alarms each carer accepted since `since`. */
  acceptedSince(since: number): Promise<Map<string, number>>
  /** Open alarms by state (health, gauges). */
  openByState(): Promise<Partial<Record<AlarmState, number>>>
  /** Every timeline entry at or after `since`, with its alarm (history recovery). */
  entriesSince(since: number): Promise<{ alarm: Alarm; entry: TimelineEntry }[]>
}
