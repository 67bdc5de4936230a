import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import {
  type Browsing,
  haveChromium,
  launch,
  login,
  mustRun,
  phoneAt,
  screenshot,
  user,
} from './support/browser.ts'

/**
 * Following a wandering elder in Chromium (防走失, docs/visits.md): the board's detail of an open
 * fence exit shows the elder's track and latest fix, growing with every new fix; the holder's phone
 * shows the latest fix and navigates to it, not to where the elder left the fence.
 */
describe.skipIf(!haveChromium && !mustRun)('a wandering elder followed on the board and the phone', () => {
  let world: World
  let browsing: Browsing
  let board: Page
  let phone: Page
  let watch: TestClient

  /** A fix ten seconds after the last (a watch reports every few seconds while it is followed). */
  const fix = (northM: number, acc: number) => {
    world.clock.set(world.clock.now() + 10_000)
    return watch.publish('care/v1/dev/W01/loc', { ts: world.clock.now(), ...offset(HOME, northM, 0), acc })
  }

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await world.elder('E01', { name: '刘玉珍', fence: { radiusM: 200 } })
    watch = await world.device('W01', 'E01', { kind: 'watch' })
    await world.carer('C01', offset(HOME, 500, 0), { name: '王芳' })
    await user(world, 'wangfang', { role: 'carer', carerId: 'C01' })
    await user(world, 'disp1', { role: 'dispatcher' })
    const desk = await browsing.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
    })
    board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
    phone = await phoneAt(browsing, world, 'wangfang', HOME)
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('shows each new fix on the board’s detail and on the holder’s phone, and navigates to the latest', async () => {
    await fix(400, 15)
    await fix(450, 15)
    const offer = phone.locator('article.task.offer')
    await offer.waitFor()
    const alarmId = (await offer.getAttribute('data-alarm')) as string
    await phone.click(`#accept-${alarmId}`)
    await expect
      .poll(() => phone.locator(`article.task[data-alarm="${alarmId}"]`).getAttribute('data-state'))
      .toBe('accepted')

    await board.click(`tr.alarm-row[data-id="${alarmId}"]`)
    const info = board.locator('#track-info')
    await info.waitFor()
    // the fixes since the alarm was raised, read when it was opened
    const first = Number(await info.getAttribute('data-fixes'))
    expect(first).toBeGreaterThanOrEqual(2)

    await fix(650, 12)
    await fix(800, 9)
    const latest = offset(HOME, 800, 0)
    await expect.poll(() => info.getAttribute('data-fixes')).toBe(String(first + 2))
    expect(await board.locator('#track-latest').textContent()).toContain(latest.lat.toFixed(5))
    expect(await info.textContent()).toContain('±9')
    await screenshot(board, 'board-follow-zh', true)

    const card = phone.locator(`article.task[data-alarm="${alarmId}"]`)
    await expect.poll(() => card.locator('.latest').getAttribute('data-lat')).toBe(String(latest.lat))
    expect(await card.locator('.latest').textContent()).toContain('±9')
    const geo = (await card.locator('a[href^="geo:"]').getAttribute('href')) ?? ''
    expect(geo.startsWith(`geo:${latest.lat},${latest.lon}`)).toBe(true)
  })
})
