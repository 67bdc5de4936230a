import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alarm } from '../../gateway/alarms/model.ts'
import type { Visit } from '../../gateway/visits/model.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { ahead, DAY_MS, shanghaiDay, ZONE } from '../visits/support/visits.ts'
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
    await page.locator('#visits').scrollIntoViewIfNeeded()
    await screenshot(page, 'supervision-visits-zh', true)
  })

  it('gives the supervisor no hand on a visit: the board is read-only', async () => {
    expect(await page.locator('form.visit-change').count()).toBe(0)
  })

  it('lets a dispatcher move a visit due today to another day and give a missed one to another carer', async () => {
    await world.carer('CR9', offset(HOME, 100, 0))
    await world.elder('ETODAY', { name: '吴秀珍', grid: G03 })
    const today = shanghaiDay(world.clock.now())
    const due = await ahead(world, 'ETODAY')
    await world.api('PATCH', `/api/v1/visits/${due.id}`, { dueDay: today })
    await user(world, 'disp1', { role: 'dispatcher' })
    const desk = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
    })
    const board = await login(desk, world, 'disp1')
    await board.goto(`http://127.0.0.1:${world.app.httpPort}/supervision`)
    const row = board.locator(`#live-visits tr[data-visit="${due.id}"]`)
    await row.waitFor()
    const tomorrow = shanghaiDay(world.clock.now() + DAY_MS)
    await board.fill(`#move-${due.id}`, tomorrow)
    await board.click(`#change-${due.id}`)
    // moved out of today: the list read again no longer holds it
    await row.waitFor({ state: 'detached' })
    expect((await world.api<Visit>('GET', `/api/v1/visits/${due.id}`)).body).toMatchObject({
      dueDay: tomorrow,
      moved: true,
    })

    const missed = (await world.api<{ items: Visit[] }>('GET', '/api/v1/visits?elderId=EIN&status=missed'))
      .body.items[0] as Visit
    await board.fill(`#give-${missed.id}`, 'CR9')
    await board.click(`#change-${missed.id}`)
    await board.locator(`#live-visits tr[data-visit="${missed.id}"]`, { hasText: 'CR9' }).waitFor()
    expect((await world.api<Visit>('GET', `/api/v1/visits/${missed.id}`)).body.carerId).toBe('CR9')
    // a day for a missed visit is refused, and the page says why
    await board.fill(`#move-${missed.id}`, tomorrow)
    await board.click(`#change-${missed.id}`)
    await board.locator(`#changed-${missed.id}`, { hasText: 'VISIT_CLOSED' }).waitFor()
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
