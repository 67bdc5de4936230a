import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Alarm, TimelineEntry, TimelineType } from './model.ts'
import type { AlarmStore } from './store.ts'

export type AlarmListener = (alarm: Readonly<Alarm>, entry: Readonly<TimelineEntry>) => void

export interface EntryFields {
  actor?: string | undefined
  carerId?: string | undefined
  note?: string | undefined
  data?: Record<string, unknown> | undefined
}

/** What a change may do inside its transaction. */
export interface JournalWriter {
  create(alarm: Alarm, grid: string, msgId?: string): void
  /** Append a timeline entry (advancing the alarm's `seq`) and save the alarm row. */
  add(alarm: Alarm, type: TimelineType, fields?: EntryFields): TimelineEntry
  save(alarm: Alarm): void
}

/**
 * Every alarm change goes through here: one transaction per change, an
 * append-only timeline with `seq`, and after the commit the new entries go
 * to the listeners (integration events, the live board, history), each
 * isolated so a failing listener never stops dispatch.
 */
export class AlarmJournal {
  readonly store: AlarmStore
  readonly #clock: { now(): number }
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #listeners: { name: string; fn: AlarmListener }[] = []

  constructor(store: AlarmStore, clock: { now(): number }, log: Logger, metrics: Metrics) {
    this.store = store
    this.#clock = clock
    this.#log = log
    this.#metrics = metrics
  }

  subscribe(name: string, fn: AlarmListener): () => void {
    const entry = { name, fn }
    this.#listeners.push(entry)
    return () => {
      const i = this.#listeners.indexOf(entry)
      if (i >= 0) this.#listeners.splice(i, 1)
    }
  }

  write<T>(fn: (w: JournalWriter) => T): T {
    const emitted: { alarm: Alarm; entry: TimelineEntry }[] = []
    const store = this.store
    const clock = this.#clock
    const writer: JournalWriter = {
      create(alarm, grid, msgId) {
        store.insert(alarm, grid, msgId)
      },
      add(alarm, type, fields = {}) {
        const at = clock.now()
        alarm.seq += 1
        alarm.updatedAt = at
        const entry: TimelineEntry = { seq: alarm.seq, type, at }
        if (fields.actor !== undefined) entry.actor = fields.actor
        if (fields.carerId !== undefined) entry.carerId = fields.carerId
        if (fields.note !== undefined) entry.note = fields.note
        if (fields.data !== undefined) entry.data = fields.data
        store.append(alarm.id, entry)
        store.update(alarm)
        emitted.push({ alarm: { ...alarm }, entry })
        return entry
      },
      save(alarm) {
        alarm.updatedAt = clock.now()
        store.update(alarm)
      },
    }
    const result = store.tx(() => fn(writer))
    for (const { alarm, entry } of emitted) this.#emit(alarm, entry)
    return result
  }

  #emit(alarm: Alarm, entry: TimelineEntry): void {
    for (const { name, fn } of this.#listeners) {
      try {
        fn(alarm, entry)
      } catch (error) {
        this.#metrics.inc('care_listener_errors_total', { listener: name })
        this.#log.error({ err: error, listener: name, alarmId: alarm.id }, 'alarm listener failed')
      }
    }
  }
}
