import { describe, expect, it } from 'vitest'
import { ManualClock } from '../kernel/ports/clock.ts'
import { ManualScheduler } from '../kernel/ports/scheduler.ts'

describe('manual scheduler', () => {
  it('fires deadlines in order as time advances', async () => {
    const s = new ManualScheduler(new ManualClock(0))
    const fired: string[] = []
    s.at('b', 200, () => fired.push(`b@${s.clock.now()}`))
    s.at('a', 100, () => fired.push(`a@${s.clock.now()}`))
    await s.advance(150)
    expect(fired).toEqual(['a@100'])
    await s.advance(100)
    expect(fired).toEqual(['a@100', 'b@200'])
  })

  it('finishes an asynchronous task before moving on, so a deadline it sets fires in the same span', async () => {
    const s = new ManualScheduler(new ManualClock(0))
    const fired: string[] = []
    s.at('first', 100, async () => {
      await Promise.resolve()
      fired.push(`first@${s.clock.now()}`)
      s.at('second', s.clock.now() + 50, () => {
        fired.push(`second@${s.clock.now()}`)
      })
    })
    await s.advance(1_000)
    expect(fired).toEqual(['first@100', 'second@150'])
    expect(s.clock.now()).toBe(1_000)
  })

  it('reports a failing asynchronous task', async () => {
    const s = new ManualScheduler(new ManualClock(0))
    s.at('bad', 10, async () => {
      throw new Error('task failed')
    })
    await expect(s.advance(20)).rejects.toThrow('task failed')
  })
})
