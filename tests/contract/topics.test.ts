import { describe, expect, it } from 'vitest'
import { filterCovers, topics } from '../../kernel/contract/topics.ts'

describe('a subscription filter covering a topic', () => {
  const task = topics.carerTask('C001')

  it('covers the exact topic, a `+` level and a trailing `#`', () => {
    expect(filterCovers('care/v1/carer/C001/task', task)).toBe(true)
    expect(filterCovers('care/v1/carer/C001/+', task)).toBe(true)
    expect(filterCovers('care/v1/carer/C001/#', task)).toBe(true)
    expect(filterCovers('care/v1/#', task)).toBe(true)
    // MQTT: `#` also matches its parent level
    expect(filterCovers('care/v1/carer/C001/task/#', task)).toBe(true)
  })

  it('does not cover another id, a shorter or longer topic, or a `#` that is not last', () => {
    expect(filterCovers('care/v1/carer/C002/task', task)).toBe(false)
    expect(filterCovers('care/v1/carer/C001', task)).toBe(false)
    expect(filterCovers('care/v1/carer/C001/task/x', task)).toBe(false)
    expect(filterCovers('care/v1/carer/+', task)).toBe(false)
    expect(filterCovers('care/#/C001/task', task)).toBe(false)
  })
})
