import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { backupStore } from '../../scripts/backup.ts'
import { startWorld } from '../support/world.ts'

describe('backup and restore', () => {
  it('copies the store consistently while traffic runs, and the copy starts a gateway', async () => {
    const world = await startWorld({ keepData: true })
    const backups = mkdtempSync(join(tmpdir(), 'care-backup-'))
    try {
      await world.elder('E01')
      const device = await world.device('D01', 'E01')
      // traffic while the copy is taken
      const traffic = (async () => {
        for (let i = 0; i < 150; i++) {
          await device.publish('care/v1/dev/D01/loc', { ts: world.clock.now() + i, lat: 37.38, lon: 117.97 })
        }
      })()
      const target = join(backups, 'care.db')
      const result = backupStore(join(world.dataDir, 'care.db'), target)
      await traffic
      expect(result.bytes).toBeGreaterThan(0)
      const copy = new DatabaseSync(target, { readOnly: true })
      const elders = copy.prepare('SELECT count(*) AS n FROM elders').get() as { n: number }
      copy.close()
      expect(elders.n).toBe(1)

      // restore: the backup becomes the store of a new gateway
      const restoredDir = mkdtempSync(join(tmpdir(), 'care-restored-'))
      copyFileSync(target, join(restoredDir, 'care.db'))
      const restored = await startWorld({ dataDir: restoredDir })
      try {
        const res = await restored.api<{ items: { id: string }[] }>('GET', '/api/v1/elders')
        expect(res.body.items.map((e) => e.id)).toEqual(['E01'])
        const devices = await restored.api<{ items: { id: string }[] }>('GET', '/api/v1/devices')
        expect(devices.body.items.map((d) => d.id)).toEqual(['D01'])
      } finally {
        await restored.stop()
      }
    } finally {
      await world.stop()
      rmSync(world.dataDir, { recursive: true, force: true })
      rmSync(backups, { recursive: true, force: true })
    }
  })
})
