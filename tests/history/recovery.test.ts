import { describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { freePort } from '../support/tsdb.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

// nothing lost: alarm entries committed but not yet in the outbox when the process died come back at start
const count = (w: World, where: string) =>
  (w.db().prepare(`SELECT count(*) AS n FROM history_outbox WHERE ${where}`).get() as { n: number }).n

describe('history recovery at start', () => {
  it('re-queues the alarm entries newer than the cursor', async () => {
    // a TSDB that is not there: everything stays in the outbox
    const env = { CARE_INFLUX_URL: `http://127.0.0.1:${await freePort()}` }
    const first = await startWorld({ env, keepData: true })
    await first.elder('E01')
    const device = await first.device('D01', 'E01', { intervalS: 86_400 })
    await first.carer('C01', offset(HOME, 300, 0))
    await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: first.clock.now() })
    const alarms = (await first.api('GET', '/api/v1/alarms')).body as { items: { id: string }[] }
    const id = alarms.items[0]?.id ?? ''
    const timeline = ((await first.api('GET', `/api/v1/alarms/${id}`)).body as { timeline: unknown[] })
      .timeline
    await eventually(() => count(first, "cls = 'alarm'") === timeline.length, 3_000, 'alarm points queued')

    // the crash window: committed to the timeline, never reached the outbox, cursor still before them
    first.db().exec("DELETE FROM history_outbox WHERE cls IN ('alarm', 'response')")
    first
      .db()
      .prepare("UPDATE settings SET value = ? WHERE key = 'history.alarm_cursor'")
      .run(String(first.clock.now() - 1))
    await first.stop()

    const second = await startWorld({ env, dataDir: first.dataDir })
    try {
      expect(count(second, "cls = 'alarm'")).toBe(timeline.length)
      expect(second.app.surface.metrics.get('care_history_points_requeued_total')).toBe(timeline.length)
      // the cursor is the newest entry's time again: a later start looks back no further than that
      const cursor = second
        .db()
        .prepare("SELECT value FROM settings WHERE key = 'history.alarm_cursor'")
        .get() as { value: string }
      expect(Number(cursor.value)).toBe(second.clock.now())
    } finally {
      await second.stop()
    }
  })
})
