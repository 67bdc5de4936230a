import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { auditStore, crashRun, storeCounts } from './harness.ts'

// A short run in CI; `npm run test:soak` runs the long one (100 devices, 1,000 presses, 20 kills).
const soak = process.env.CARE_SOAK === '1'
const seed = Number(process.env.CARE_SEED ?? 20261123)
const shape = soak
  ? { devices: 100, carers: 30, sos: 1_000, kills: 20 }
  : { devices: 20, carers: 8, sos: 150, kills: 5 }

describe('SIGKILL at random moments', () => {
  it(
    `loses and doubles no SOS (seed ${seed})`,
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'care-crash-harness-'))
      try {
        const outcome = await crashRun({ seed, dataDir, ...shape })
        expect(outcome.kills).toBe(shape.kills)
        // nearly every press gets through in the end; the invariants are about those acknowledged
        expect(outcome.acked.size).toBeGreaterThan(outcome.sent * 0.9)
        const audit = auditStore(join(dataDir, 'care.db'), outcome.acked)
        expect(audit).toEqual({ lost: [], doubled: [], orphans: [], badAccepts: [], noDeadline: [] })
        const counts = storeCounts(join(dataDir, 'care.db'))
        expect(counts.recorded).toBeGreaterThanOrEqual(outcome.acked.size)
        console.warn(
          `crash run: ${outcome.sent} presses, ${outcome.acked.size} acknowledged, ${counts.recorded} recorded, ` +
            `${counts.alarms} alarms opened, ${outcome.kills} kills, restarts ${outcome.restartsMs.join('/')} ms`,
        )
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    },
    soak ? 600_000 : 120_000,
  )
})
