import { describe, expect, it } from 'vitest'
import { SilenceWatch } from '../../gateway/telemetry/silence.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'

/** The manual scheduler, counting how often a deadline is set: what a message costs the heap. */
class CountingScheduler extends ManualScheduler {
  armed = 0

  override at(key: string, dueAt: number, fn: () => void): void {
    this.armed++
    super.at(key, dueAt, fn)
  }
}

function watch() {
  const clock = new ManualClock()
  const scheduler = new CountingScheduler(clock)
  const silent: { id: string; lastSeenAt: number; at: number }[] = []
  const w = new SilenceWatch({
    scheduler,
    clock,
    onSilent: (id, lastSeenAt) => {
      silent.push({ id, lastSeenAt, at: clock.now() })
    },
  })
  return { clock, scheduler, silent, w }
}

describe('the silence watch', () => {
  it('reports a device silent for 3 × its interval, once', async () => {
    const { clock, scheduler, silent, w } = watch()
    const t0 = clock.now()
    w.seen('D01', 300, t0)
    await scheduler.advance(900_000 - 1)
    expect(silent).toEqual([])
    await scheduler.advance(1)
    expect(silent).toEqual([{ id: 'D01', lastSeenAt: t0, at: t0 + 900_000 }])
    await scheduler.advance(86_400_000)
    expect(silent).toHaveLength(1)
  })

  it('moves the deadline with every message', async () => {
    const { clock, scheduler, silent, w } = watch()
    w.seen('D01', 60, clock.now())
    await scheduler.advance(170_000)
    w.seen('D01', 60, clock.now())
    await scheduler.advance(170_000)
    expect(silent).toEqual([])
    await scheduler.advance(10_000)
    expect(silent.map((s) => s.id)).toEqual(['D01'])
  })

  it('forgets a device, leaving no deadline behind', async () => {
    const { clock, scheduler, silent, w } = watch()
    w.seen('D01', 60, clock.now())
    w.forget('D01')
    expect(scheduler.size()).toBe(0)
    await scheduler.advance(3_600_000)
    expect(silent).toEqual([])
    expect(w.dueAt('D01')).toBeUndefined()
  })

  it('fires a deadline that passed while the gateway was down at the next turn', async () => {
    const { clock, scheduler, silent, w } = watch()
    w.restore('D01', 60, clock.now() - 3_600_000)
    expect(w.dueAt('D01')).toBe(clock.now() - 3_600_000 + 180_000)
    await scheduler.advance(0)
    expect(silent.map((s) => s.id)).toEqual(['D01'])
  })

  it('keeps one deadline per device', async () => {
    const { clock, scheduler, silent, w } = watch()
    w.seen('D01', 60, clock.now())
    w.seen('D02', 120, clock.now())
    await scheduler.advance(180_000)
    expect(silent.map((s) => s.id)).toEqual(['D01'])
    await scheduler.advance(180_000)
    expect(silent.map((s) => s.id)).toEqual(['D01', 'D02'])
  })

  it('holds one scheduler entry per device however often it reports', async () => {
    const { clock, scheduler, silent, w } = watch()
    for (let i = 0; i < 1_000; i++) {
      w.seen('D01', 60, clock.now())
      w.seen('D02', 60, clock.now())
      await scheduler.advance(1_000)
    }
    expect(scheduler.size()).toBe(2)
    expect(w.dueAt('D01')).toBe(clock.now() - 1_000 + 180_000)
    await scheduler.advance(180_000)
    expect(silent.map((s) => s.id)).toEqual(['D01', 'D02'])
    expect(silent[0]?.lastSeenAt).toBe(clock.now() - 181_000)
  })

  it('arms an earlier deadline at once when the interval shrinks', async () => {
    const { clock, scheduler, silent, w } = watch()
    w.seen('D01', 600, clock.now())
    w.seen('D01', 60, clock.now())
    await scheduler.advance(180_000)
    expect(silent.map((s) => s.id)).toEqual(['D01'])
  })

  it('sets a deadline once for many messages: a later message only notes the time', async () => {
    const { clock, scheduler, silent, w } = watch()
    const t0 = clock.now()
    w.seen('D01', 60, t0)
    w.seen('D01', 60, t0) // a duplicate at the same time moves nothing
    for (let i = 1; i <= 100; i++) w.seen('D01', 60, t0 + i * 1_000)
    expect(scheduler.armed).toBe(1)
    expect(w.dueAt('D01')).toBe(t0 + 100_000 + 180_000)
    // the first deadline comes due, finds the device heard since, and moves once to the last message's
    await scheduler.advance(180_000)
    expect(silent).toEqual([])
    expect(scheduler.armed).toBe(2)
    await scheduler.advance(100_000 - 1)
    expect(silent).toEqual([])
    await scheduler.advance(1)
    expect(silent).toEqual([{ id: 'D01', lastSeenAt: t0 + 100_000, at: t0 + 280_000 }])
  })

  it('has no deadline for a device once it is reported, until it is heard again', async () => {
    const { clock, scheduler, silent, w } = watch()
    const t0 = clock.now()
    w.seen('D01', 60, t0)
    await scheduler.advance(180_000)
    expect(silent).toHaveLength(1)
    expect(w.dueAt('D01')).toBeUndefined()
    expect(scheduler.size()).toBe(0)
  })

  it('re-arms when a reported device is heard again, and reports its next silence', async () => {
    const { clock, scheduler, silent, w } = watch()
    const t0 = clock.now()
    w.seen('D01', 60, t0)
    await scheduler.advance(180_000)
    await scheduler.advance(20_000)
    w.seen('D01', 60, clock.now())
    expect(w.dueAt('D01')).toBe(t0 + 200_000 + 180_000)
    await scheduler.advance(180_000)
    expect(silent).toEqual([
      { id: 'D01', lastSeenAt: t0, at: t0 + 180_000 },
      { id: 'D01', lastSeenAt: t0 + 200_000, at: t0 + 380_000 },
    ])
  })

  it('does not report a forgotten device that is then heard again before its old deadline', async () => {
    const { clock, scheduler, silent, w } = watch()
    const t0 = clock.now()
    w.seen('D01', 60, t0)
    w.forget('D01')
    await scheduler.advance(60_000)
    w.seen('D01', 600, clock.now())
    // the old 3-minute deadline is gone: the new one is 30 minutes after the new message
    await scheduler.advance(30 * 60_000 - 1)
    expect(silent).toEqual([])
    await scheduler.advance(1)
    expect(silent).toEqual([{ id: 'D01', lastSeenAt: t0 + 60_000, at: t0 + 60_000 + 1_800_000 }])
  })
})
