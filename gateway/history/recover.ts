import type { AlarmStore } from '../alarms/store.ts'
import type { Store } from '../store/db.ts'
import { toLine } from './line.ts'
import { alarmEventPoint, type PointClass, responsePoint } from './schema.ts'

/**
 * The alarm cursor: the time of the newest alarm entry already in the
 * outbox, committed with it. Entries are buffered for one event-loop turn
 * after their own commit (off the SOS path); if the process dies in that
 * turn, the next start finds them here — newer than the cursor — and queues
 * them again. Points are idempotent, so an entry queued twice lands once.
 */
const KEY = 'history.alarm_cursor'

export class AlarmCursor {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  get(): number | undefined {
    const row = this.#store.db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as
      | { value: string }
      | undefined
    return row === undefined ? undefined : Number(row.value)
  }

  /** Only moves forward; call inside the outbox transaction. */
  advance(at: number): void {
    this.#store.db
      .prepare(
        `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
      )
      .run(KEY, String(at))
  }
}

/** Lines for every alarm entry at or after `since` (the same millisecond again: harmless, idempotent). */
export function linesSince(
  store: Store,
  alarms: AlarmStore,
  since: number,
  elderGrid: (elderId: string) => readonly string[],
): { cls: PointClass; line: string; at: number }[] {
  const rows = store.db
    .prepare('SELECT alarm_id, seq FROM alarm_timeline WHERE at >= ? ORDER BY at, alarm_id, seq')
    .all(since) as { alarm_id: string; seq: number }[]
  const out: { cls: PointClass; line: string; at: number }[] = []
  const timelines = new Map<string, ReturnType<AlarmStore['timeline']>>()
  for (const { alarm_id: id, seq } of rows) {
    const alarm = alarms.get(id)
    if (!alarm) continue
    let timeline = timelines.get(id)
    if (!timeline) {
      timeline = alarms.timeline(id)
      timelines.set(id, timeline)
    }
    const entry = timeline.find((e) => e.seq === seq)
    if (!entry) continue
    const subject = { grid: elderGrid(alarm.elderId) }
    const event = toLine(alarmEventPoint(alarm, entry, subject))
    if (event) out.push({ cls: 'alarm', line: event, at: entry.at })
    const response = responsePoint(alarm, entry, subject)
    const line = response && toLine(response)
    if (line) out.push({ cls: 'response', line, at: entry.at })
  }
  return out
}
