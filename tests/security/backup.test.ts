import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { startWorld } from '../support/world.ts'
import { distinctPng } from '../visits/support/images.ts'
import { ahead, carerToken, upload } from '../visits/support/visits.ts'

const root = join(import.meta.dirname, '..', '..')

/** Positions in the live store, read beside the gateway (WAL lets readers in). */
function livePositions(dataDir: string): number {
  const db = new DatabaseSync(join(dataDir, 'care.db'), { readOnly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM positions').get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('backup and restore', () => {
  it('copies the store consistently while traffic runs, and the copy starts a gateway', async () => {
    // a limit the traffic below cannot reach: every position sent must be stored
    const world = await startWorld({
      keepData: true,
      env: { CARE_MQTT_RATE_PER_S: '100000', CARE_MQTT_BURST: '100000' },
    })
    const backups = mkdtempSync(join(tmpdir(), 'care-backup-'))
    try {
      await world.elder('E01')
      const device = await world.device('D01', 'E01')
      // a visit photo, which the backup carries beside the store
      await world.carer('CR1', { lat: 37.3835, lon: 117.9707 })
      await world.api('PUT', '/api/v1/elders/E01/visit-plan', { carerId: 'CR1' })
      const visit = await ahead(world, 'E01')
      const photo = await upload(world, visit.id, await carerToken(world, 'CR1'), distinctPng(3), 'image/png')
      const photoId = photo.body.id as string
      // `npm run backup` is a process of its own: the gateway keeps taking traffic while it copies
      const target = join(backups, 'care.db')
      const backup = spawn(process.execPath, [join(root, 'scripts', 'backup.ts'), target], {
        env: { ...process.env, CARE_DATA_DIR: world.dataDir, CARE_CONFIG: join(backups, 'none.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      backup.stdout.on('data', (d: Buffer) => {
        output += d.toString('utf8')
      })
      backup.stderr.on('data', (d: Buffer) => {
        output += d.toString('utf8')
      })
      const exited = new Promise<number | null>((resolve) => backup.once('exit', (code) => resolve(code)))
      let code: number | null | undefined
      void exited.then((c) => {
        code = c
      })
      // positions, one after another, from before the copy starts until well after it ended
      let sent = 0
      let afterExit = 0
      while (code === undefined || afterExit < 20) {
        await device.publish('care/v1/dev/D01/loc', { ts: world.clock.now() + sent, lat: 37.38, lon: 117.97 })
        sent++
        if (code !== undefined) afterExit++
      }
      expect(code, output).toBe(0)
      expect(output).toMatch(/backup written/)
      expect(output).toMatch(/photos: 1 copied/)
      const kept = join(backups, 'care-photos', photoId.slice(0, 2), `${photoId}.png`)
      expect(
        readFileSync(kept).equals(
          readFileSync(join(world.dataDir, 'photos', photoId.slice(0, 2), `${photoId}.png`)),
        ),
      ).toBe(true)
      // nothing the gateway acknowledged during the copy was lost from the live store
      await eventually(() => livePositions(world.dataDir) === sent, 5_000, 'every position stored')
      expect(world.app.surface.metrics.total('care_mqtt_throttled_total')).toBe(0)

      // the copy is one consistent snapshot: the registry whole, and positions a prefix of those sent
      const copy = new DatabaseSync(target, { readOnly: true })
      const elders = copy.prepare('SELECT count(*) AS n FROM elders').get() as { n: number }
      const stamps = copy.prepare('SELECT ts FROM positions ORDER BY ts').all() as { ts: number }[]
      copy.close()
      expect(elders.n).toBe(1)
      const first = world.clock.now()
      expect(stamps.map((r) => r.ts)).toEqual(Array.from({ length: stamps.length }, (_, i) => first + i))
      expect(stamps.length).toBeLessThan(sent)

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
