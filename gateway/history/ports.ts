import type { PointClass } from './schema.ts'

/** A finished line-protocol point and what kind of point it is (which decides if the limit may drop it). */
export interface OutboxLine {
  cls: PointClass
  line: string
}

/** A waiting point, by its place in the queue. */
export interface OutboxRow extends OutboxLine {
  id: number
}

/**
 * Points to queue in one transaction, with what the outbox limit lets go to make room: up to
 * `excess` rows, the oldest first of each class of `dropOrder` in turn, sparing the rows through
 * `spareThrough` (the batch the writer is sending).
 */
export interface OutboxAppend {
  lines: readonly OutboxLine[]
  at: number
  excess: number
  dropOrder: readonly PointClass[]
  spareThrough: number
  /** Moves the alarm cursor forward to this time in the same transaction (history recovery). */
  cursor?: number | undefined
}

/** What an append did beside queuing its lines: the rows the limit dropped, per class. */
export interface OutboxAppended {
  dropped: { cls: PointClass; count: number }[]
}

/** An elder's points removed from the outbox by their erasure: those waiting, and those set aside. */
export interface Purged {
  waiting: number
  rejected: number
}

/**
 * The history outbox: points waiting for the TSDB, in the order they were queued, and those it
 * refused for good. The domain (Outbox) counts them in memory from `counts()` at start on.
 */
export interface OutboxRepository {
  counts(): Promise<{ waiting: number; rejected: number }>
  /** When the oldest waiting point was queued; undefined when none waits. */
  oldestAt(): Promise<number | undefined>
  append(append: OutboxAppend): Promise<OutboxAppended>
  /** The oldest `max` waiting points. */
  take(max: number): Promise<OutboxRow[]>
  /** Written: delete the waiting points with ids from `first` to `last`; answers how many went. */
  remove(first: number, last: number): Promise<number>
  /** Refused for good: move these points apart with the answer; answers how many moved. */
  setAside(ids: readonly number[], status: number | undefined, reason: string, at: number): Promise<number>
  /** The time of the newest alarm entry already queued (history recovery); undefined before the first start. */
  cursor(): Promise<number | undefined>
  /** Moves the cursor forward only. */
  advanceCursor(at: number): Promise<void>
}

/** An elder's erasure still to be carried into the TSDB, or left to an operator. */
export interface ErasureJob {
  elderId: string
  status: 'pending' | 'manual'
  requestedAt: number
}

/**
 * The durable jobs that delete an erased elder's series from the TSDB. A job is recorded in the
 * erasure's own transaction (by the erasure, see PrivacyRepository); here it is worked off.
 */
export interface ErasureJobRepository {
  list(): Promise<ErasureJob[]>
  failed(elderId: string, error: string): Promise<void>
  done(elderId: string): Promise<void>
  /** The TSDB has no delete API: an operator deletes the series by hand. */
  manual(elderId: string): Promise<void>
}
