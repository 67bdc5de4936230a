import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, tolerate, user } from './support/browser.ts'

/**
 * docs/security.md, "a stranger's text in the registry": names, addresses, notes and contacts are free
 * text typed by anyone who fills a form or a CSV import. Each field below carries markup that runs
 * script if a page ever writes it as HTML; every page must show it as the characters it is.
 */
const attack = {
  name: '<img src=x onerror=__pwned=1>王<script>__pwned=2</script>',
  address: '<img src=x onerror="__pwned=3">海丰街道<iframe src=javascript:__pwned=4>',
  notes: '<svg onload=alert(5)></svg><script>alert(6)</script>独居',
  contact: '<img src=x onerror=__pwned=7>',
  relation: '<b onmouseover=__pwned=8>子</b>',
  grid: '<img src=x onerror=__pwned=9>',
  carer: '<img src=x onerror=__pwned=10>芳<script>__pwned=11</script>',
  note: '<img src=x onerror=alert(12)>速去',
  second: '<img src=x onerror=__pwned=13>李',
}

const pwned = (page: Page) => page.evaluate<unknown>('window.__pwned')

describe.skipIf(!haveChromium && !mustRun)('text from the registry is shown as text, never run', () => {
  let world: World
  let browsing: Browsing
  let desk: BrowserContext
  let board: Page
  let alarmId = ''

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    // the elders come in through the bulk import, as a centre's spreadsheet would bring them
    const imported = await world.api<{ created: number }>('POST', '/api/v1/import?type=elders', [
      {
        id: 'E01',
        name: attack.name,
        phone: '13812345678',
        address: attack.address,
        grid: ['海丰街道', attack.grid],
        home: HOME,
        notes: attack.notes,
        contacts: [{ name: attack.contact, relation: attack.relation, phone: '13900000000' }],
      },
      { id: 'E02', name: attack.second, address: attack.address, home: offset(HOME, 300, 0) },
    ])
    expect(imported.body.created).toBe(2)
    await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, -400, 0), { name: attack.carer })
    await user(world, 'disp1', { role: 'dispatcher' })
    await user(world, 'carer1', { role: 'carer', carerId: 'C01' })
    desk = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
    const device = world.clients.find((c) => c.client.options.username === 'D01')
    await device?.publish('care/v1/dev/D01/sos', { id: 'sos-1', ts: world.clock.now() })
    await board.locator('tr.alarm-row').first().waitFor()
    alarmId = String(await board.locator('tr.alarm-row').first().getAttribute('data-id'))
    const noted = await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
      action: 'note',
      note: attack.note,
    })
    expect(noted.status).toBe(200)
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('shows the queue and the detail panel literally', async () => {
    const row = board.locator(`tr.alarm-row[data-id="${alarmId}"]`)
    await expect.poll(() => row.textContent()).toContain(attack.name)
    await row.click()
    await board.waitForSelector('#detail:not(.hidden)')
    const elder = board.locator('#detail .elder')
    await expect.poll(() => elder.textContent()).toContain(attack.name)
    const text = (await elder.textContent()) ?? ''
    for (const field of [attack.address, attack.notes, attack.contact, attack.relation, attack.grid]) {
      expect(text).toContain(field)
    }
    await expect.poll(() => board.locator('#detail .candidates').textContent()).toContain(attack.carer)
    await expect.poll(() => board.locator('#timeline').textContent()).toContain(attack.note)
    // nothing the attack carried became an element
    expect(await board.locator('#detail img, #detail script, #detail svg, #detail iframe').count()).toBe(0)
    expect(await board.locator('#queue img, #queue script').count()).toBe(0)
    expect(await pwned(board)).toBeUndefined()
  })

  it('shows the carer and the homes on the map as text in their tooltips', async () => {
    let jiggle = 0
    const hover = async (p: { lat: number; lon: number }) => {
      const at = await board.evaluate<{ x: number; y: number }>(
        `window.careBoard.map.pagePoint(${JSON.stringify(p)})`,
      )
      // one move straight onto the point (Leaflet's canvas looks at most one move per 32 ms), a pixel
      // apart from the last try's, so that every try is a move the page hears
      jiggle = 1 - jiggle
      await board.mouse.move(at.x + jiggle, at.y)
      // every tooltip open now (one left open by an earlier hover may still be closing)
      return (await board.locator('.leaflet-tooltip').allTextContents()).join(' | ')
    }
    // the detail panel lies over part of the map: out of the way
    await board.keyboard.press('Escape')
    await board.waitForSelector('#detail.hidden', { state: 'attached' })
    // a loaded machine may take a while to paint and hit-test the canvas: give the hover time
    const slow = { timeout: 15_000 }
    await expect.poll(() => hover(offset(HOME, -400, 0)), slow).toContain(attack.carer)
    // homes show from street level in, which opening the alarm brought the map to
    await expect.poll(() => hover(offset(HOME, 300, 0)), slow).toContain(attack.second)
    expect(await board.locator('.leaflet-tooltip').last().textContent()).toContain(attack.address)
    expect(await board.locator('.leaflet-tooltip img, .leaflet-tooltip script').count()).toBe(0)
    expect(await pwned(board)).toBeUndefined()
  })

  it('lists the hotline form’s matches and the chosen elder as text', async () => {
    await board.click('#manual-open')
    await board.fill('#elder-search', 'onerror')
    const options = board.locator('#elder-results .elder-option')
    await expect.poll(() => options.count()).toBe(2)
    expect(await board.locator('#elder-results').textContent()).toContain(attack.second)
    await options.first().click()
    await expect.poll(() => board.locator('#elder-picked').textContent()).toContain('onerror')
    expect(await board.locator('#manual-dialog img, #manual-dialog script').count()).toBe(0)
    await board.keyboard.press('Escape')
    expect(await pwned(board)).toBeUndefined()
  })

  it('shows the elder’s file on the carer’s phone as text', async () => {
    const mobile = await browsing.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      locale: 'zh-CN',
    })
    const phone = await login(mobile, world, 'carer1')
    const card = phone.locator(`article.task[data-alarm="${alarmId}"]`)
    await expect.poll(() => card.textContent()).toContain(attack.name)
    const text = (await card.textContent()) ?? ''
    for (const field of [attack.address, attack.notes, attack.contact, attack.relation]) {
      expect(text).toContain(field)
    }
    expect(await phone.locator('main img, main script, main svg, main iframe').count()).toBe(0)
    expect(await pwned(phone)).toBeUndefined()
    await mobile.close()
  })

  it('blocks inline script by policy, should markup ever slip through', async () => {
    // a second wall: even markup written as HTML cannot run inline handlers or scripts
    tolerate(/Content Security Policy/)
    tolerate(/status of 404 .*\/x\)$/)
    // the image's error handler is registered before ours: once ours ran, theirs had its chance
    await board.evaluate(`new Promise((done) => {
      document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(attack.name)})
      const images = document.querySelectorAll('body > img')
      images[images.length - 1].addEventListener('error', () => setTimeout(done, 0))
    })`)
    await board.evaluate(`{
      const s = document.createElement('script')
      s.textContent = 'window.__pwned = 14'
      document.body.append(s)
    }`)
    expect(await pwned(board)).toBeUndefined()
  })
})
