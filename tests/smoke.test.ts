import { describe, expect, it } from 'vitest'
import { ManualClock } from '../kernel/ports/clock.ts'
import { ManualScheduler } from '../kernel/ports/scheduler.ts'

describe('manual scheduler', () => {
  it('fires deadlines in order as time advances', () => {
    const s = new ManualScheduler(new ManualClock(0))
    const fired: string[] = []
    s.at('b', 200, () => fired.push(`b@${s.clock.now()}`))
    s.at('a', 100, () => fired.push(`a@${s.clock.now()}`))
    s.advance(150)
    expect(fired).toEqual(['a@100'])
    s.advance(100)
    expect(fired).toEqual(['a@100', 'b@200'])
  })
})
