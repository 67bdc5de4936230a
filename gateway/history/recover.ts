import type { AlarmRepository } from '../alarms/ports.ts'
import { toLine } from './line.ts'
import { alarmEventPoint, type PointClass, responsePoint } from './schema.ts'

/*
 * History recovery. The alarm cursor (OutboxRepository.cursor) is the time of the newest alarm
 * entry already in the outbox, committed with it. Entries are buffered for one event-loop turn
 * after their own commit (off the SOS path); if the process dies in that turn, the next start
 * finds them in the alarm repository — newer than the cursor — and queues them again. Points are
 * idempotent, so an entry queued twice lands once.
 */

/** Lines for every alarm entry at or after `since` (the same millisecond again: harmless, idempotent). */
export async function linesSince(
  alarms: Pick<AlarmRepository, 'entriesSince'>,
  since: number,
  elderGrid: (elderId: string) => readonly string[],
): Promise<{ cls: PointClass; line: string; at: number }[]> {
  const out: { cls: PointClass; line: string; at: number }[] = []
  for (const { alarm, entry } of await alarms.entriesSince(since)) {
    const subject = { grid: elderGrid(alarm.elderId) }
    const event = toLine(alarmEventPoint(alarm, entry, subject))
    if (event) out.push({ cls: 'alarm', line: event, at: entry.at })
    const response = responsePoint(alarm, entry, subject)
    const line = response && toLine(response)
    if (line) out.push({ cls: 'response', line, at: entry.at })
  }
  return out
}
