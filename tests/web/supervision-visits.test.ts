import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alarm } from '../../gateway/alarms/model.ts'
import { startWorld, type World } from '../support/world.ts'
import { ahead, DAY_MS, ZONE } from '../visits/support/visits.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'

/**
 * The supervisor's live board and ledger in Chromium (docs/visits.md): scoped to their grid, they see
 * their grid's open alarms and overdue visits live, and its ledger and figures — nothing of the grid
 * next door.
 */
describe.skipIf(!haveChromium && !mustRun)('visits on the supervision page, scoped to a grid', () => {
  let world: World
  let browsing: Browsing
  let page: Page
  const G03 = ['Haifeng St', 'Dongguan', 'G03']
  const G04 = ['Haifeng St', 'Dongguan', 'G04']

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_TIME_ZONE: ZONE } })
    browsing = await launch()
    await world.elder('EIN', { name: '周桂英', grid: G03, risk: 'high' })
    await world.elder('EOUT', { name: '孙福来', grid: G04, risk: 'high' })
    await user(world, 'sup3', { role: 'supervisor', grid: G03 })
    // both elders' first visits go by without anyone signing in
    const last = Math.max(
      Date.parse(`${(await ahead(world, 'EIN')).dueDay}T00:00:00+08:00`),
      Date.parse(`${(await ahead(world, 'EOUT')).dueDay}T00:00:00+08:00`),
    )
    await world.scheduler.advance(last + DAY_MS + 3 * 3_600_000 - world.clock.now())
    const context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
    })
    page = await login(context, world, 'sup3')
    await page.waitForSelector('body[data-loaded=true]')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  async function missedAlarm(elderId: string): Promise<Alarm> {
    const res = await world.api<{ items: Alarm[] }>(
      'GET',
      `/api/v1/alarms?elderId=${elderId}&kind=visit_missed`,
    )
    return res.body.items[0] as Alarm
  }

  it('shows their grid’s missed-visit alarm and overdue visit live, and not the other grid’s', async () => {
    const mine = await missedAlarm('EIN')
    const theirs = await missedAlarm('EOUT')
    await page.locator(`#live-alarms tr[data-id="${mine.id}"]`).waitFor()
    expect(await page.locator(`#live-alarms tr[data-id="${theirs.id}"]`).count()).toBe(0)
    const overdue = page.locator('#live-visits tr[data-status="missed"]')
    await overdue.first().waitFor()
    expect(await overdue.count()).toBe(1)
    expect(await overdue.textContent()).toContain('EIN')
    expect(await page.locator('#live-visits').textContent()).not.toContain('EOUT')
  })

  it('shows the ledger and the visit figures of their grid only', async () => {
    await page.locator('#ledger tbody tr').first().waitFor()
    const ledger = await page.locator('#ledger tbody').textContent()
    expect(ledger).toContain('EIN')
    expect(ledger).not.toContain('EOUT')
    expect(await page.locator('#visit-kpis [data-kpi=missed] .kpi-value').textContent()).toBe('1')
    await screenshot(page, 'supervision-visits-zh', true)
  })

  it('sees a newly raised alarm of their grid arrive on the live board without reloading', async () => {
    const raised = await world.api<Alarm>('POST', '/api/v1/alarms', {
      elderId: 'EIN',
      kind: 'manual',
      note: '热线',
    })
    expect(raised.status).toBe(201)
    await page.locator(`#live-alarms tr[data-id="${raised.body.id}"]`).waitFor()
  })
})
