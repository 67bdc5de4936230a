import { describe, expect, it } from 'vitest'
import { checkVitals } from '../../gateway/telemetry/vitals.ts'

describe('vitals thresholds', () => {
  it('uses the contract’s defaults: heart rate < 40 or > 130, SpO2 < 90', () => {
    expect(checkVitals({ hr: 39 }, {})).toEqual({ breach: true, reasons: ['hr<40'] })
    expect(checkVitals({ hr: 131 }, {})).toEqual({ breach: true, reasons: ['hr>130'] })
    expect(checkVitals({ spo2: 89 }, {})).toEqual({ breach: true, reasons: ['spo2<90'] })
    expect(checkVitals({ hr: 140, spo2: 85 }, {}).reasons).toEqual(['hr>130', 'spo2<90'])
  })

  it('does not alarm on the boundaries or on readings it has no threshold for', () => {
    expect(checkVitals({ hr: 40, spo2: 90 }, {}).breach).toBe(false)
    expect(checkVitals({ hr: 130 }, {}).breach).toBe(false)
    expect(checkVitals({ temp: 39.5, steps: 0, sys: 180 }, {}).breach).toBe(false)
  })

  it('lets an elder’s own thresholds override the defaults', () => {
    expect(checkVitals({ hr: 45 }, { hrLow: 50 }).reasons).toEqual(['hr<50'])
    expect(checkVitals({ hr: 135 }, { hrHigh: 150 }).breach).toBe(false)
    expect(checkVitals({ spo2: 91 }, { spo2Low: 92 }).breach).toBe(true)
  })
})
