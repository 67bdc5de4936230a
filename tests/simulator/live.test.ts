import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateDistrict } from '../../simulator/district.ts'
import { runDistrict } from '../../simulator/live.ts'
import { ImportRejected, importRows, provision, provisionUsers } from '../../simulator/provision.ts'
import { type ChildGateway, spawnGateway } from '../support/child.ts'

const TOKEN = 'sim-test-admin-token-0123456789'

describe('simulator against a real gateway', () => {
  let gateway: ChildGateway | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'care-sim-test-'))
  afterAll(async () => {
    await gateway?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('imports a district through POST /import and its alarms get handled by its carers', async () => {
    gateway = await spawnGateway({
      CARE_ADMIN_TOKEN: TOKEN,
      CARE_FLOWS: 'off',
      CARE_DATA_DIR: dataDir,
      CARE_WATCH_PORT: '0',
    })
    const district = generateDistrict({ seed: 11, elders: 12, carers: 4 })
    for (const c of district.carers) c.shift = [0, 24]
    // chunks of 5: several requests per kind
    const report = await provision(district, gateway.httpUrl, TOKEN, 5)
    expect(report).toMatchObject({ total: 28, created: 28, updated: 0, rejected: 0 })
    expect(report.byType.devices).toMatchObject({ requests: 3, created: 12 })
    const again = await provision(district, gateway.httpUrl, TOKEN)
    expect(again).toMatchObject({ requests: 3, created: 0, updated: 28, rejected: 0 })
    const watch = district.devices.find((d) => d.kind === 'watch')
    expect(watch?.id).toMatch(/^\d{15}$/)
    const live = await runDistrict(district, {
      mqttUrl: gateway.mqttUrl,
      watchUrl: gateway.watchUrl,
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
      // the district's watches speak the "3G" protocol over the watch listener, and are online by it
      expect(live.stats.watchFrames).toBeGreaterThan(0)
      const device = await fetch(`${gateway.httpUrl}/api/v1/devices/${watch?.id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      expect(((await device.json()) as { online?: boolean }).online).toBe(true)
    } finally {
      await live.stop()
    }
  }, 30_000)

  it('fails loudly when a row is rejected, naming the row and the reason', async () => {
    if (!gateway) throw new Error('gateway not started')
    const rows = [
      { id: 'SIMX-1', kind: 'watch', elderId: 'E00001', secret: 'sim-secret-0001' },
      { id: 'SIMX-2', kind: 'watch', elderId: 'NO-SUCH-ELDER', secret: 'sim-secret-0002' },
    ]
    const failure = await importRows(gateway.httpUrl, TOKEN, 'devices', rows).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ImportRejected)
    expect((failure as ImportRejected).rows).toEqual([
      expect.objectContaining({ row: 2, id: 'SIMX-2', reason: expect.stringMatching(/^UNKNOWN_ELDER/) }),
    ])
    expect((failure as Error).message).toMatch(/row 2 SIMX-2: UNKNOWN_ELDER/)
  })

  it('creates web logins for the demo, each of which can log in with its role', async () => {
    if (!gateway) throw new Error('gateway not started')
    const district = generateDistrict({ seed: 11, elders: 12, carers: 4 })
    const logins = await provisionUsers(district, gateway.httpUrl, TOKEN)
    expect(logins.map((l) => [l.username, l.role])).toEqual([
      ['admin', 'admin'],
      ['dispatcher', 'dispatcher'],
      ['supervisor', 'supervisor'],
      [`carer-${district.carers[0]?.id}`, 'carer'],
    ])
    expect(new Set(logins.map((l) => l.password)).size).toBe(4)
    for (const login of logins) {
      const res = await fetch(`${gateway.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: login.username, password: login.password }),
      })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { role: string }).role).toBe(login.role)
    }
  })
})
