import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateDistrict } from '../../simulator/district.ts'
import { runDistrict } from '../../simulator/live.ts'
import { provision } from '../../simulator/provision.ts'
import { type ChildGateway, spawnGateway } from '../support/child.ts'

const TOKEN = 'sim-test-admin-token-0123456789'

describe('simulator against a real gateway', () => {
  let gateway: ChildGateway | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'care-sim-test-'))
  afterAll(async () => {
    await gateway?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('registers a district over REST and its alarms get handled by its carers', async () => {
    gateway = await spawnGateway({ CARE_ADMIN_TOKEN: TOKEN, CARE_FLOWS: 'off', CARE_DATA_DIR: dataDir })
    const district = generateDistrict({ seed: 11, elders: 12, carers: 4 })
    for (const c of district.carers) c.shift = [0, 24]
    await provision(district, gateway.httpUrl, TOKEN)
    const live = await runDistrict(district, {
      mqttUrl: gateway.mqttUrl,
      speed: 2_000,
      tickMs: 200,
      rates: { sosPerHour: 20, fallsPerHour: 0, falsePressShare: 0, lostFixShare: 0.05, declineShare: 0 },
    })
    try {
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && live.stats.resolved === 0) await new Promise((r) => setTimeout(r, 200))
      await new Promise((r) => setTimeout(r, 300))
      const res = await fetch(`${gateway.httpUrl}/api/v1/alarms`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      const body = (await res.json()) as { items: { state: string }[] }
      const resolved = body.items.filter((a) => a.state === 'resolved').length
      expect(live.stats.sos).toBeGreaterThan(0)
      expect(live.stats.offers).toBeGreaterThan(0)
      expect(resolved).toBeGreaterThan(0)
    } finally {
      await live.stop()
    }
  }, 30_000)
})
