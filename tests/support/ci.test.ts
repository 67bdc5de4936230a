import { describe, expect, it } from 'vitest'
import { underCi } from './ci.ts'

describe('the suite under CI', () => {
  it('counts any CI value as CI, so a missing server fails instead of skipping', () => {
    for (const value of ['true', '1', 'yes', 'TRUE', 'on']) expect(underCi({ CI: value })).toBe(true)
  })

  it('runs as a developer run without CI or with CI switched off', () => {
    expect(underCi({})).toBe(false)
    for (const value of ['', 'false', '0', ' FALSE ']) expect(underCi({ CI: value })).toBe(false)
  })
})
