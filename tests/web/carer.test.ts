import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'

describe.skipIf(!haveChromium && !mustRun)('the carer page on a phone, with the board watching', () => {
  let world: World
  let browsing: Browsing
  let phone: Page
  let board: Page

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await world.elder('E01', { name: '王秀兰', phone: '13812345678' })
    await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, 500, 0), { name: '王芳' })
    await user(world, 'wangfang', { role: 'carer', carerId: 'C01' })
    await user(world, 'disp1', { role: 'dispatcher' })
    const near = offset(HOME, 30, 10)
    const mobile = await browsing.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      locale: 'zh-CN',
      hasTouch: true,
      geolocation: { latitude: near.lat, longitude: near.lon, accuracy: 10 },
      permissions: ['geolocation'],
    })
    phone = await login(mobile, world, 'wangfang')
    expect(new URL(phone.url()).pathname).toBe('/carer')
    await phone.waitForSelector('#live-status[data-status=live]')
    const desk = await browsing.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
    })
    board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('shows duty and turns it off and on', async () => {
    await expect.poll(() => phone.locator('#duty').getAttribute('data-duty')).toBe('on')
    await phone.click('#duty')
    await expect.poll(() => phone.locator('#duty').getAttribute('data-duty')).toBe('off')
    expect(world.app.surface.carer('C01')?.duty).toBe('off')
    await phone.click('#duty')
    await expect.poll(() => phone.locator('#duty').getAttribute('data-duty')).toBe('on')
  })

  it('rings with an offer, then accept, arrive and resolve, the board following each step', async () => {
    const device = world.clients.find((c) => c.client.options.username === 'D01')
    await device?.publish('care/v1/dev/D01/sos', { id: 'sos-1', ts: world.clock.now() })
    const offer = phone.locator('article.task.offer')
    await offer.waitFor({ timeout: 3000 })
    await expect.poll(() => phone.evaluate('document.body.dataset.ringing')).toBe('true')
    expect(await offer.textContent()).toContain('王秀兰')
    expect(await phone.locator('article.task a[href="tel:13812345678"]').count()).toBe(1)
    expect(await phone.locator('article.task a[href^="geo:"]').count()).toBe(1)
    expect(await offer.locator('.countdown').textContent()).toMatch(/\d+/)
    await screenshot(phone, 'carer-offer-zh', true)
    const alarmId = await offer.getAttribute('data-alarm')
    const row = board.locator(`tr.alarm-row[data-id="${alarmId}"]`)
    await expect.poll(() => row.getAttribute('data-state')).toBe('offered')

    await phone.click(`#accept-${alarmId}`)
    await expect
      .poll(() => phone.locator(`article.task[data-alarm="${alarmId}"]`).getAttribute('data-state'))
      .toBe('accepted')
    await expect.poll(() => phone.evaluate('document.body.dataset.ringing')).toBe('false')
    await expect.poll(() => row.getAttribute('data-state')).toBe('accepted')

    await phone.click(`#arrive-${alarmId}`)
    await expect
      .poll(() => phone.locator(`article.task[data-alarm="${alarmId}"]`).getAttribute('data-state'))
      .toBe('arrived')
    await expect.poll(() => row.getAttribute('data-state')).toBe('arrived')
    // the check-in carried the browser's position: about 30 m from home, not flagged
    const arrived = await world.api<{ arrivalDistanceM: number }>('GET', `/api/v1/alarms/${alarmId}`)
    expect(arrived.body.arrivalDistanceM).toBeLessThan(100)
    await screenshot(phone, 'carer-arrived-zh')

    await phone.selectOption('select[name=outcome]', 'hospital')
    await phone.fill('textarea[name=note]', '已送医')
    await phone.click(`#resolve-${alarmId}`)
    await phone.waitForSelector('#no-tasks')
    await expect.poll(() => row.count()).toBe(0)
    const done = await world.api<{ state: string; outcome: string }>('GET', `/api/v1/alarms/${alarmId}`)
    expect(done.body).toMatchObject({ state: 'resolved', outcome: 'hospital' })
  })

  it('is installable: a manifest and a service worker', async () => {
    const base = `http://127.0.0.1:${world.app.httpPort}`
    const manifest = await (await fetch(`${base}/carer.webmanifest`)).json()
    expect(manifest).toMatchObject({ start_url: '/carer', display: 'standalone' })
    const sw = await fetch(`${base}/carer-sw.js`)
    expect(sw.status).toBe(200)
    await expect
      .poll(() => phone.evaluate('navigator.serviceWorker.getRegistrations().then((r) => r.length)'))
      .toBe(1)
  })
})
