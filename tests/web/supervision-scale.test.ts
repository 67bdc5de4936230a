import { readFileSync } from 'node:fs'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SeededAlarm, seedDistrict } from '../support/alarm-seed.ts'
import { startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, user } from './support/browser.ts'

/**
 * The supervision page over 20,000 alarms: its charts and worklists show what the server counted over every
 * alarm of the window, not what a few pages of GET /alarms could hold.
 */

const N = 20_000
const DAY = 86_400_000
const ON_TIME = 15 * 60_000

describe.skipIf(!haveChromium && !mustRun)('the supervision page over 20,000 alarms', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let alarms: SeededAlarm[]
  let late = 0

  beforeAll(async () => {
    world = await startWorld()
    const now = world.clock.now()
    // the page's default window: the 30 days up to now
    ;({ alarms } = await seedDistrict(world, { alarms: N, from: now - 30 * DAY, to: now, seed: 5 }))
    late = alarms.filter(
      (a) =>
        a.priority <= 3 &&
        a.state !== 'cancelled' &&
        (a.arrivedAt !== undefined || (a.outcome !== 'false_alarm' && a.raisedAt + ON_TIME <= now)) &&
        !(a.arrivedAt !== undefined && a.arrivedAt - a.raisedAt <= ON_TIME),
    ).length
    await user(world, 'sup-all', { role: 'supervisor' })
    browsing = await launch()
    context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    })
  }, 120_000)

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('charts every alarm and counts every late one', async () => {
    const page = await login(context, world, 'sup-all')
    await page.waitForSelector('body[data-loaded=true]', { timeout: 30_000 })
    expect(await page.locator('.kpi[data-kpi=kpiAlarms] .kpi-value').textContent()).toBe(String(N))
    expect(await page.locator('#chart-kind-total').textContent()).toBe(`合计 ${N}`)
    const accepted = alarms.filter((a) => a.acceptedAt !== undefined).length
    expect(await page.locator('#chart-response-total').textContent()).toBe(`已接单 ${accepted}`)
    // the late list says the server's total, shows a first page, and pages on
    expect(late).toBeGreaterThan(1_000)
    expect(await page.locator('#late-total').textContent()).toBe(` (${late})`)
    expect(await page.locator('#late tbody tr').count()).toBe(50)
    await page.click('button.more[data-table=late]')
    await expect.poll(() => page.locator('#late tbody tr').count()).toBe(100)
    expect(await page.locator('#late-shown').textContent()).toBe(`已显示 100 / ${late}`)
    await page.close()
  }, 60_000)

  it('exports every late alarm, not only the rows shown', async () => {
    const page = await login(context, world, 'sup-all')
    await page.waitForSelector('body[data-loaded=true]', { timeout: 30_000 })
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 50_000 }),
      page.click('button.csv[data-table=late]'),
    ])
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '')
    const lines = csv.trim().split('\r\n')
    expect(lines).toHaveLength(late + 1)
    const ids = new Set(lines.slice(1).map((l) => l.split(',')[0]))
    expect(ids.size).toBe(late)
    await page.close()
  }, 60_000)
})
