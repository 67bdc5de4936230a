import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auditQuery,
  dayStart,
  detailText,
  noFilter,
  rangeOk,
} from '../../dashboards/src/admin/audit-query.ts'
import { HOME, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, user } from './support/browser.ts'

describe('the audit query the section asks for', () => {
  it('leaves out empty fields, and asks up to the midnight after the last day picked', () => {
    const q = auditQuery({
      ...noFilter,
      actor: ' boss ',
      action: 'elders.import',
      from: '2026-01-05',
      to: '2026-01-06',
    })
    expect(Object.fromEntries(q)).toEqual({
      actor: 'boss',
      action: 'elders.import',
      from: String(new Date(2026, 0, 5).getTime()),
      to: String(new Date(2026, 0, 7).getTime()),
      limit: '50',
    })
    expect(Object.fromEntries(auditQuery(noFilter, '42'))).toEqual({ limit: '50', cursor: '42' })
    expect(dayStart('')).toBeUndefined()
    expect(dayStart('2026-01-31', 1)).toBe(new Date(2026, 1, 1).getTime())
  })

  it('refuses an end before the start, and writes a detail as its JSON', () => {
    expect(rangeOk({ ...noFilter, from: '2026-01-05', to: '2026-01-04' })).toBe(false)
    expect(rangeOk({ ...noFilter, from: '2026-01-05', to: '2026-01-05' })).toBe(true)
    expect(rangeOk({ ...noFilter, to: '2026-01-05' })).toBe(true)
    expect(detailText({ total: 5, created: 5 })).toBe('{"total":5,"created":5}')
    expect(detailText(undefined)).toBe('')
  })
})

const STRANGER = '<img src=x onerror=alert(1)>'

describe.skipIf(!haveChromium && !mustRun)('the audit section of the admin console in Chromium', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let page: Page

  const state = () => page.locator('#audit').getAttribute('data-state')
  const rows = () => page.locator('#audit-table tbody tr:not(.empty)')
  const actions = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))

  async function search(filter: Partial<Record<'actor' | 'action' | 'target' | 'from' | 'to', string>>) {
    for (const name of ['actor', 'action', 'target', 'from', 'to'] as const) {
      await page.fill(`#audit-${name}`, filter[name] ?? '')
    }
    await page.click('#audit-apply')
    await expect.poll(state).toBe('ready')
  }

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await user(world, 'boss', { role: 'admin' })
    // a stranger's text in the log: a failed login records the username typed
    await world.api('POST', '/api/v1/auth/login', { username: STRANGER, password: 'wrong-password' })
    // 25 registry changes by the bootstrap admin, for paging
    for (let i = 1; i <= 25; i++) {
      await world.api('PUT', `/api/v1/elders/P${String(i).padStart(3, '0')}`, {
        name: `老人${i}`,
        home: HOME,
      })
    }
    context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    })
    page = await login(context, world, 'boss')
    // one import through the console, as boss
    await page.goto(`http://127.0.0.1:${world.app.httpPort}/admin#/import`)
    await page.waitForSelector('#import[data-stage=empty]')
    const csv = [
      '编号,姓名,纬度,经度',
      ...[1, 2, 3, 4, 5].map((i) => `A00${i},老人${i},${HOME.lat},${HOME.lon}`),
    ]
    await page.setInputFiles('#import-file', {
      name: 'five.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv.join('\n')),
    })
    await page.waitForSelector('#import[data-stage=preview]')
    await page.click('#import-run')
    await page.waitForSelector('#import[data-stage=done]')
    await page.goto(`http://127.0.0.1:${world.app.httpPort}/admin#/audit`)
    await page.waitForSelector('#audit[data-state=ready]')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('finds the import by its actor and action, with its counts', async () => {
    await search({ actor: 'boss', action: 'elders.import' })
    expect(await actions()).toEqual(['elders.import'])
    const cells = await rows().first().locator('td').allTextContents()
    expect(cells[1]).toBe('boss')
    expect(cells[3]).toBe('elders')
    expect(cells[5]).toContain('"total":5')
    expect(cells[5]).toContain('"created":5')
    // an action prefix finds it too; another actor does not
    await search({ actor: 'boss', action: 'elders' })
    expect(await actions()).toEqual(['elders.import'])
    await search({ actor: 'admin', action: 'elders.import' })
    expect(await rows().count()).toBe(0)
    expect(await page.locator('#audit-table tbody').textContent()).toContain('没有符合条件的记录')
  })

  it('filters by a range of days in the browser’s time zone', async () => {
    // the world's clock stands at 5 January 2026, 16:00 in Shanghai
    await search({ actor: 'boss', action: 'elders.import', from: '2026-01-05', to: '2026-01-05' })
    expect(await actions()).toEqual(['elders.import'])
    await search({ actor: 'boss', action: 'elders.import', from: '2026-01-06' })
    expect(await rows().count()).toBe(0)
    await search({ actor: 'boss', action: 'elders.import', to: '2026-01-04' })
    expect(await rows().count()).toBe(0)
    await page.fill('#audit-from', '2026-01-06')
    await page.fill('#audit-to', '2026-01-05')
    await page.click('#audit-apply')
    await expect.poll(() => page.locator('#audit-error').textContent()).toBe('结束日期不能早于开始日期')
  })

  it('pages through the log, newest first, and back', async () => {
    await page.selectOption('#audit-limit', '20')
    await search({ action: 'elder.put' })
    expect(await rows().count()).toBe(20)
    const first = await rows().first().locator('td').nth(3).textContent()
    expect(first).toBe('P025')
    expect(await page.locator('#audit-newer').isDisabled()).toBe(true)
    await page.click('#audit-older')
    await expect.poll(() => page.locator('#audit-page').textContent()).toBe('第 2 页')
    await expect.poll(() => rows().count()).toBe(5)
    expect(await rows().last().locator('td').nth(3).textContent()).toBe('P001')
    expect(await page.locator('#audit-older').isDisabled()).toBe(true)
    await page.click('#audit-newer')
    await expect.poll(() => rows().count()).toBe(20)
    expect(await page.locator('#audit-page').textContent()).toBe('第 1 页')
  })

  it('shows a stranger’s text as text', async () => {
    await search({ actor: STRANGER })
    expect(await actions()).toEqual(['auth.login_failed'])
    expect(await rows().first().locator('td').nth(1).textContent()).toBe(STRANGER)
    expect(await page.locator('#audit img').count()).toBe(0)
  })
})
