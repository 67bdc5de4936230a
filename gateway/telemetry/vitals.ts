/** Per-elder thresholds; missing ones take the contract's defaults. */
export interface VitalsThresholds {
  hrLow?: number | undefined
  hrHigh?: number | undefined
  spo2Low?: number | undefined
}

export interface VitalsReading {
  hr?: number | undefined
  spo2?: number | undefined
  sys?: number | undefined
  dia?: number | undefined
  temp?: number | undefined
  steps?: number | undefined
}

/** contract: default heart rate < 40 or > 130, SpO2 < 90. */
export const defaultVitals: { hrLow: number; hrHigh: number; spo2Low: number } = {
  hrLow: 40,
  hrHigh: 130,
  spo2Low: 90,
}

export function checkVitals(
  reading: VitalsReading,
  thresholds: VitalsThresholds,
): { breach: boolean; reasons: string[] } {
  const t = {
    hrLow: thresholds.hrLow ?? defaultVitals.hrLow,
    hrHigh: thresholds.hrHigh ?? defaultVitals.hrHigh,
    spo2Low: thresholds.spo2Low ?? defaultVitals.spo2Low,
  }
  const reasons: string[] = []
  if (reading.hr !== undefined && reading.hr < t.hrLow) reasons.push(`hr<${t.hrLow}`)
  if (reading.hr !== undefined && reading.hr > t.hrHigh) reasons.push(`hr>${t.hrHigh}`)
  if (reading.spo2 !== undefined && reading.spo2 < t.spo2Low) reasons.push(`spo2<${t.spo2Low}`)
  return { breach: reasons.length > 0, reasons }
}
