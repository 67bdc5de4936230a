import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, user } from './support/browser.ts'

/**
 * STYLE.md 19: a live update never takes away what a person is typing or where their focus is. The
 * alarm's own events arrive while a dispatcher writes a note (offers running out, another dispatcher's
 * note, a carer's step); the candidates redraw every second; the queue's row changes under the focus.
 */
describe.skipIf(!haveChromium && !mustRun)('live updates keep what a person is doing', () => {
  let world: World
  let browsing: Browsing
  let desk: BrowserContext
  let board: Page
  let c01: TestClient
  let alarmId = ''

  const focused = (page: Page) =>
    page.evaluate<string>(
      `(() => { const e = document.activeElement; return e ? e.tagName + '#' + (e.id || e.getAttribute('name') || e.dataset.carer || e.dataset.id || '') : '' })()`,
    )
  /** Marks an element; the mark survives only as long as the very same element does. */
  const mark = (page: Page, selector: string) =>
    page.evaluate(`document.querySelector(${JSON.stringify(selector)}).__kept = true`)
  const kept = (page: Page, selector: string) =>
    page.evaluate<boolean>(`document.querySelector(${JSON.stringify(selector)})?.__kept === true`)

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await world.elder('E01', { name: '王秀兰' })
    await world.device('D01', 'E01')
    c01 = await world.carer('C01', offset(HOME, 500, 0), { name: '王芳' })
    await world.carer('C02', offset(HOME, 900, 0), { name: '赵磊' })
    await user(world, 'disp1', { role: 'dispatcher' })
    await user(world, 'disp2', { role: 'dispatcher' })
    desk = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
    const device = world.clients.find((c) => c.client.options.username === 'D01')
    await device?.publish('care/v1/dev/D01/sos', { id: 'sos-1', ts: world.clock.now() })
    const row = board.locator('tr.alarm-row[data-state=offered]')
    await row.waitFor()
    alarmId = String(await row.getAttribute('data-id'))
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('keeps a half-typed note, the chosen outcome and the focus while the alarm’s events arrive', async () => {
    await board.locator(`tr.alarm-row[data-id="${alarmId}"]`).click()
    await board.waitForSelector('#detail:not(.hidden)')
    await board.selectOption('#detail select[name=outcome]', 'hospital')
    await board.click('#detail input[name=note]')
    await board.keyboard.type('已联系家属，正在')
    await mark(board, '#detail input[name=note]')

    // another dispatcher notes the alarm; then both offers run out (the gateway's own clock)
    const other = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'disp2',
      password: 'pw-disp2-123456',
    })
    await world.api(
      'POST',
      `/api/v1/alarms/${alarmId}/actions`,
      { action: 'note', note: '家属已在路上' },
      other.body.token,
    )
    await expect.poll(() => board.locator('#timeline li[data-type=note]').count()).toBe(1)
    await world.scheduler.advance(61_000)
    await expect.poll(() => board.locator('#timeline li[data-type=offer_expired]').count()).toBe(2)
    await expect.poll(() => board.locator('#detail-state').getAttribute('data-state')).toBe('open')

    expect(await board.inputValue('#detail input[name=note]')).toBe('已联系家属，正在')
    expect(await board.inputValue('#detail select[name=outcome]')).toBe('hospital')
    expect(await focused(board)).toBe('INPUT#note')
    expect(await kept(board, '#detail input[name=note]')).toBe(true)
    // and typing goes on where it stopped
    await board.keyboard.type('赶来')
    expect(await board.inputValue('#detail input[name=note]')).toBe('已联系家属，正在赶来')
  })

  it('keeps the focus on an assign button while the candidates are redrawn', async () => {
    const assign = '#detail button.assign[data-carer="C01"]'
    await board.focus(assign)
    await mark(board, assign)
    const distance = () => board.locator(`${assign}`).locator('xpath=ancestor::tr/td[2]').textContent()
    const before = await distance()
    // the carer moves: the next redraw of the candidates shows the new distance
    await c01.publish('care/v1/carer/C01/loc', { ts: world.clock.now(), ...offset(HOME, 200, 0) })
    await expect.poll(distance).not.toBe(before)
    expect(await focused(board)).toBe('BUTTON#C01')
    expect(await kept(board, assign)).toBe(true)
  })

  it('keeps the focus on a queue row whose alarm changes', async () => {
    const row = `tr.alarm-row[data-id="${alarmId}"]`
    await board.focus(row)
    await mark(board, row)
    const res = await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
      action: 'assign',
      carerId: 'C02',
    })
    expect(res.status).toBe(200)
    await expect.poll(() => board.locator(row).getAttribute('data-state')).toBe('accepted')
    expect(await focused(board)).toBe(`TR#${alarmId}`)
    expect(await kept(board, row)).toBe(true)
  })

  it('keeps the carer’s half-written report on the phone while the alarm’s events arrive', async () => {
    await user(world, 'zhaolei', { role: 'carer', carerId: 'C02' })
    const at = offset(HOME, 20, 0)
    const mobile = await browsing.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      locale: 'zh-CN',
      geolocation: { latitude: at.lat, longitude: at.lon, accuracy: 10 },
      permissions: ['geolocation'],
    })
    const phone = await login(mobile, world, 'zhaolei')
    await phone.waitForSelector('#live-status[data-status=live]')
    await phone.click(`#arrive-${alarmId}`)
    const note = `#note-${alarmId}`
    await phone.waitForSelector(note)
    await phone.selectOption(`#outcome-${alarmId}`, 'hospital')
    await phone.click(note)
    await phone.keyboard.type('已送医，')
    await mark(phone, note)
    // the centre notes the alarm twice: the phone's live stream hears it and reads its tasks again
    for (const text of ['120已到', '家属已到']) {
      await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, { action: 'note', note: text })
    }
    await expect.poll(() => board.locator('#timeline li[data-type=note]').count()).toBe(3)
    const reads = () =>
      phone.evaluate<number>(
        "performance.getEntriesByType('resource').filter((e) => e.name.includes('/tasks')).length",
      )
    const seen = await reads()
    await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, { action: 'note', note: '再次提醒' })
    await expect.poll(reads).toBeGreaterThan(seen)
    // the answer is read, then drawn: one more turn of the page's event loop
    await phone.evaluate('new Promise((done) => setTimeout(done, 0))')
    expect(await phone.inputValue(note)).toBe('已送医，')
    expect(await phone.inputValue(`#outcome-${alarmId}`)).toBe('hospital')
    expect(await focused(phone)).toBe(`TEXTAREA#note-${alarmId}`)
    expect(await kept(phone, note)).toBe(true)
    await mobile.close()
  })
})
