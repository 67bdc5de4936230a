import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Alarm, TimelineEntry } from './model.ts'

export type AlarmListener = (alarm: Readonly<Alarm>, entry: Readonly<TimelineEntry>) => void

/**
 * The alarm wing's news: every timeline entry, once stored, goes to the
 * listeners (integration events, the live board, history), each isolated
 * so a failing listener is counted and logged and never stops dispatch.
 */
export class AlarmFeed {
  readonly #log: Logger
  readonly #metrics: Metrics
  readonly #listeners: { name: string; fn: AlarmListener }[] = []

  constructor(log: Logger, metrics: Metrics) {
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

  emit(alarm: Alarm, entry: TimelineEntry): void {
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
