import type { BrowserContext, Page, WebSocket } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestClient } from '../support/mqtt.ts'
import { TestWatch } from '../support/watch.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { frame, position, status } from '../watch/frames.ts'
import {
  type Browsing,
  haveChromium,
  launch,
  login,
  mustRun,
  screenshot,
  tolerate,
  user,
} from './support/browser.ts'

describe.skipIf(!haveChromium && !mustRun)('the dispatch board in Chromium', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_WATCH_PORT: '0' } })
    browsing = await launch()
    await user(world, 'disp1', { role: 'dispatcher', name: '调度员' })
    await world.elder('E01', { name: '王秀兰', phone: '13812345678', address: '海丰街道东关社区12号楼' })
    await world.elder('E02', {
      name: '李建国',
      phone: '13987654321',
      address: '海丰街道西关社区3号楼',
      home: offset(HOME, 900, 400),
    })
    await world.device('D01', 'E01')
    context = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    page = await login(context, world, 'disp1')
    await page.waitForSelector('#live-status[data-status=live]')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  function deviceD01(): TestClient {
    const device = world.clients.find((c) => c.client.options.username === 'D01')
    if (!device) throw new Error('no device D01')
    return device
  }

  /** Presses SOS on the device; the alarm's id is the one its `received` notify names. */
  async function raiseSos(device: TestClient, id: string): Promise<string> {
    const known = new Set(device.messages().map((m) => m.alarmId))
    await device.publish('care/v1/dev/D01/sos', { id, ts: world.clock.now() })
    const received = await device.next(
      (r) => r.message.state === 'received' && !known.has(r.message.alarmId),
      5_000,
      `received for ${id}`,
    )
    return String(received.message.alarmId)
  }

  it('queues a new SOS as open P1 for its elder, rings, and follows it from assignment to resolution', async () => {
    // no carer on duty yet: the alarm stays open for the centre to assign by hand
    const device = deviceD01()
    const alarmId = await raiseSos(device, 'sos-1')
    // the queue holds exactly this alarm, as the gateway stored it: open, P1, the elder's name
    await expect.poll(() => queueRows(page)).toEqual([{ id: alarmId, priority: '1', state: 'open' }])
    await expect
      .poll(() => page.locator(`tr.alarm-row[data-id="${alarmId}"]`).textContent())
      .toContain('王秀兰')
    expect((await world.api<{ state: string }>('GET', `/api/v1/alarms/${alarmId}`)).body.state).toBe('open')
    await expect.poll(() => page.evaluate('document.body.dataset.ringing')).toBe('true')
    await expect.poll(() => page.locator('#ring-banner').isVisible()).toBe(true)
    await screenshot(page, 'board-ringing-zh', true)
    const row = page.locator(`tr.alarm-row[data-id="${alarmId}"]`)

    const carer = await world.carer('C01', offset(HOME, 400, 0), { name: '王芳' })
    await row.click()
    await page.waitForSelector('#detail:not(.hidden)')
    // the map centres the alarm in the part the panel leaves uncovered, not under the panel
    const panel = await page.locator('#detail').boundingBox()
    await expect
      .poll(async () => (await page.locator('.alarm-pin').first().boundingBox())?.x ?? 0)
      .toBeGreaterThan((panel?.x ?? 0) + (panel?.width ?? 0))
    await expect.poll(() => page.evaluate('document.body.dataset.ringing')).toBe('false')
    await expect.poll(() => page.locator('#detail .elder').textContent()).toContain('王秀兰')
    await expect.poll(() => page.locator('#detail a[href="tel:13812345678"]').count()).toBe(1)
    const assign = page.locator('#detail button.assign[data-carer="C01"]')
    await assign.waitFor()
    await screenshot(page, 'board-detail-zh', true)
    await assign.click()
    await expect.poll(() => page.locator('#detail-state').getAttribute('data-state')).toBe('accepted')
    await expect.poll(() => page.locator('#timeline li[data-type=accepted]').count()).toBe(1)

    // the carer's own MQTT reply moves the alarm on; the board hears it over /live
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'arrive',
      ts: world.clock.now(),
      ...offset(HOME, 20, 0),
    })
    await expect.poll(() => page.locator('#detail-state').getAttribute('data-state')).toBe('arrived')
    await expect
      .poll(() => page.locator(`tr.alarm-row[data-id="${alarmId}"]`).getAttribute('data-state'))
      .toBe('arrived')
    await expect.poll(() => page.locator('#timeline li[data-type=arrived]').count()).toBe(1)

    await page.selectOption('#detail select[name=outcome]', 'assisted')
    await page.fill('#detail input[name=note]', '已协助老人服药')
    await page.click('#act-resolve')
    await expect.poll(() => page.locator('#timeline li[data-type=resolved]').count()).toBe(1)
    await expect.poll(() => page.locator(`tr.alarm-row[data-id="${alarmId}"]`).count()).toBe(0)
    const stored = await world.api<{ state: string; outcome: string }>('GET', `/api/v1/alarms/${alarmId}`)
    expect(stored.body).toMatchObject({ state: 'resolved', outcome: 'assisted' })
  })

  it('opens a manual alarm from the hotline form for an elder found by phone number', async () => {
    await page.click('#manual-open')
    await page.fill('#elder-search', '139876')
    const option = page.locator('#elder-results .elder-option')
    await expect.poll(() => option.count()).toBe(1)
    await expect.poll(() => option.first().textContent()).toContain('李建国')
    await option.first().click()
    await page.fill('#manual-dialog textarea[name=note]', '12349热线：老人称胸闷')
    await screenshot(page, 'board-hotline-zh')
    await page.click('#manual-submit')
    await page.waitForSelector('#detail:not(.hidden)')
    await expect.poll(() => page.locator('#detail .elder').textContent()).toContain('李建国')
    const list = await world.api<{ items: { elderId: string; kind: string }[] }>(
      'GET',
      '/api/v1/alarms?kind=manual',
    )
    expect(list.body.items).toEqual([expect.objectContaining({ elderId: 'E02', kind: 'manual' })])
    await expect.poll(() => page.locator('tr.alarm-row').count()).toBe(1)
  })

  it('resumes after the live socket drops and shows, without a reload, an alarm raised while it was away', async () => {
    const manual = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/alarms?kind=manual')
    const manualId = manual.body.items[0]?.id
    expect(manualId).toBeDefined()
    await expect.poll(() => queueRows(page).then((rows) => rows.map((r) => r.id))).toEqual([manualId])
    // the same document all along: a reload would lose this marker
    await page.evaluate('window.__sameDocument = "before the drop"')
    let navigations = 0
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++
    })
    const sockets: { ws: WebSocket; frames: Record<string, unknown>[] }[] = []
    page.on('websocket', (ws) => {
      const frames: Record<string, unknown>[] = []
      ws.on('framereceived', (f) => frames.push(JSON.parse(String(f.payload)) as Record<string, unknown>))
      sockets.push({ ws, frames })
    })

    // the browser goes offline, so the board cannot come back before the alarm below is raised
    tolerate(/WebSocket connection to .*\/api\/v1\/live.* failed/)
    await context.setOffline(true)
    await page.evaluate('window.careBoard.live.drop()')
    await page.waitForSelector('#live-status[data-status=reconnecting]')
    world.clock.set(world.clock.now() + 1_000)
    const missedId = await raiseSos(deviceD01(), 'sos-while-away')
    expect(missedId).not.toBe(manualId)
    const stored = await world.api<{ state: string }>('GET', `/api/v1/alarms/${missedId}`)

    await context.setOffline(false)
    await page.waitForSelector('#live-status[data-status=live]', { timeout: 15_000 })
    // it is in the queue, after the older P1, with the state the gateway holds
    await expect
      .poll(() => queueRows(page))
      .toEqual([
        expect.objectContaining({ id: manualId }),
        { id: missedId, priority: '1', state: stored.body.state },
      ])
    expect(await page.evaluate('window.__sameDocument')).toBe('before the drop')
    expect(navigations).toBe(0)
    // a P1 raised while the board was away is as new as any: it rings
    await expect.poll(() => page.evaluate('document.body.dataset.ringing')).toBe('true')

    // it came back with ?since= the last event it had, and the gateway replayed from the next one
    const resumed = sockets.at(-1)
    if (!resumed) throw new Error('the board opened no socket after the drop')
    expect(resumed.ws.isClosed()).toBe(false)
    const since = Number(new URL(resumed.ws.url()).searchParams.get('since'))
    expect(since).toBeGreaterThan(0)
    const frames = resumed.frames
    expect(frames[0]).toMatchObject({ seq: since + 1 })
    expect(frames.some((f) => f.type === 'snapshot')).toBe(false)
    expect(frames).toContainEqual(
      expect.objectContaining({
        type: 'alarm',
        alarm: expect.objectContaining({ id: missedId }),
        entry: expect.objectContaining({ type: 'raised' }),
      }),
    )
  })

  it('switches to English', async () => {
    await page.click('#lang-switch')
    await page.waitForSelector('#live-status[data-status=live]')
    await expect.poll(() => page.locator('#queue-title').textContent()).toContain('Open alarms')
    // timers follow the gateway's clock, learnt from the events' `at`; this world's clock is a manual one,
    // months behind the browser's, so let one event through before the picture
    const carer = world.clients.find((c) => c.client.options.username === 'C01')
    await carer?.publish('care/v1/carer/C01/loc', { ts: world.clock.now(), ...offset(HOME, 420, 0) })
    await expect.poll(() => page.locator('td.timer').first().textContent()).toMatch(/^\d{1,2}:\d\d$/)
    await screenshot(page, 'board-en', true)
  })

  it('fills a 4K wall screen', async () => {
    await page.setViewportSize({ width: 3840, height: 2160 })
    // the root font grows on a wall, so the queue stays readable from a distance
    const size = await page.evaluate<string>('getComputedStyle(document.documentElement).fontSize')
    expect(Number.parseFloat(size)).toBeGreaterThan(20)
    // and so do the map's own controls and the pins' boxes
    const zoomIn = await page.locator('.leaflet-control-zoom-in').boundingBox()
    expect(zoomIn?.width).toBeGreaterThan(40)
    await expect
      .poll(async () => (await page.locator('.alarm-pin').first().boundingBox())?.width)
      .toBeGreaterThan(50)
    await screenshot(page, 'board-4k-en')
    await page.setViewportSize({ width: 1366, height: 768 })
  })

  it('says a watch’s SOS without a fix went to the elder’s home, and asks the watch for a fix', async () => {
    const id = '8600000002'
    await world.api('PUT', `/api/v1/devices/${id}`, {
      kind: 'watch',
      elderId: 'E02',
      secret: 'unused-secret',
    })
    const watch = await TestWatch.connect(world.app.surface.ports.watch ?? 0)
    try {
      const at = world.clock.now() - 1_000
      watch.write(frame(position('AL', { at, valid: false, lat: 0, lon: 0, status: status(16) }), { id }))
      await watch.next((f) => f.type === 'AL')
      const list = await world.api<{ items: { id: string; deviceId?: string }[] }>('GET', '/api/v1/alarms')
      const alarmId = list.body.items.find((a) => a.deviceId === id)?.id
      await page.locator(`tr.alarm-row[data-id="${alarmId}"]`).click()
      await page.locator('#detail-at-home').waitFor()
      await page.click('#act-locate')
      await watch.next((f) => f.type === 'CR')
      await expect.poll(() => page.locator('#locate-sent').textContent()).not.toBe('')
      await screenshot(page, 'board-watch-no-fix-en')
    } finally {
      await watch.end()
    }
  })
})

/** The queue's rows, top to bottom. */
function queueRows(page: Page): Promise<{ id: string; priority: string; state: string }[]> {
  return page.locator('tr.alarm-row').evaluateAll((rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-id') ?? '',
      priority: r.getAttribute('data-priority') ?? '',
      state: r.getAttribute('data-state') ?? '',
    })),
  )
}
