import type { BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, mustRun, screenshot } from './support/browser.ts'

const SECRET = 'wf-2026-phone'
const AWAY = offset(HOME, 400, 0)
const AT_DOOR = offset(HOME, 30, 10)

interface Timeline {
  state: string
  outcome?: string
  arrivalDistanceM?: number
  timeline: { type: string; actor?: string; carerId?: string; note?: string }[]
}

interface KeptTask {
  alarmId: string
  action: string
  expiresAt?: number
  alarm: { raisedAt: number }
}

/** The number of seconds an offer's countdown shows. */
async function secondsLeft(offer: Locator): Promise<number> {
  const text = await offer.locator('.countdown').textContent()
  return Number(text?.match(/\d+/)?.[0])
}

describe.skipIf(!haveChromium && !mustRun)(
  'the carer page over the MQTT WebSocket, without a web login',
  () => {
    let world: World
    let browsing: Browsing
    let phone: Page
    let mobile: BrowserContext
    let device: TestClient
    /** Every request the phone page makes to the HTTP API: there must be none. */
    const apiCalls: string[] = []
    let base = ''

    const card = (alarmId: string) => phone.locator(`article.task[data-alarm="${alarmId}"]`)
    /** The offer as the page keeps it on the phone (the task message it was given). */
    const offerKept = async (alarmId: string): Promise<KeptTask & { expiresAt: number }> => {
      const kept = JSON.parse(
        String(await phone.evaluate("localStorage.getItem('care.carer.tasks.C01')")),
      ) as KeptTask[]
      const task = kept.find((t) => t.alarmId === alarmId)
      if (task?.expiresAt === undefined) throw new Error(`no offer for ${alarmId} on the phone`)
      return { ...task, expiresAt: task.expiresAt }
    }
    const metric = async (series: string): Promise<number> => {
      const res = await fetch(`${base}/api/v1/metrics`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `))
      return line ? Number(line.split(' ')[1]) : 0
    }

    beforeAll(async () => {
      world = await startWorld()
      // the gateway's clock is the wall clock here, as in service: offer countdowns read the phone's
      world.clock.set(Date.now())
      base = `http://127.0.0.1:${world.app.httpPort}`
      browsing = await launch()
      await world.elder('E01', { name: '王秀兰', phone: '13812345678', risk: 'high' })
      device = await world.device('D01', 'E01')
      await world.elder('E02', { name: '李建国', phone: '13987654321', home: offset(HOME, 200, 150) })
      await world.device('D02', 'E02')
      // a carer registered with a phone secret and no web account; nothing connected for them yet
      const put = await world.api('PUT', '/api/v1/carers/C01', {
        name: '王芳',
        phone: '13705437001',
        mode: 'ebike',
        secret: SECRET,
      })
      expect(put.status).toBe(201)
      mobile = await browsing.browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
        geolocation: { latitude: AWAY.lat, longitude: AWAY.lon, accuracy: 10 },
        permissions: ['geolocation'],
      })
      phone = await mobile.newPage()
      phone.on('pageerror', (error) => console.error('[phone]', error.message))
      phone.on('request', (request) => {
        const url = new URL(request.url())
        // the alarm path goes over MQTT; visits go over HTTP in both modes (docs/visits.md: a photo is
        // far larger than an MQTT message), so the visit list's reads are not counted here
        if (/^\/api\/v1\/carers\/[^/]+\/visits$/.test(url.pathname)) return
        if (url.pathname.startsWith('/api/')) apiCalls.push(`${request.method()} ${url.pathname}`)
      })
    })

    afterAll(async () => {
      await browsing?.close()
      await world?.stop()
    })

    it('refuses a wrong secret and an id that is not a carer', async () => {
      await phone.goto(`${base}/login`)
      await phone.click('#mode-carer')
      await phone.fill('input[name=carerId]', 'C01')
      await phone.fill('input[name=secret]', 'not-the-secret')
      await phone.click('#login-carer button[type=submit]')
      await expect.poll(() => phone.locator('#login-error').textContent()).toBe('护理员编号或密钥错误')
      // a device's own login connects, but the carer's task topic is not its to read
      await phone.fill('input[name=carerId]', 'D01')
      await phone.fill('input[name=secret]', 'secret-D01')
      await phone.click('#login-carer button[type=submit]')
      await expect.poll(() => phone.locator('#login-error').textContent()).toBe('该编号不是护理员')
      expect(new URL(phone.url()).pathname).toBe('/login')
    })

    it('signs in with the carer id and secret and connects over /mqtt', async () => {
      await phone.fill('input[name=carerId]', 'C01')
      await phone.fill('input[name=secret]', SECRET)
      await phone.click('#login-carer button[type=submit]')
      await phone.waitForURL((url) => url.pathname === '/carer')
      await phone.waitForSelector('#live-status[data-status=live]')
      expect(await phone.locator('#live-status').textContent()).toContain('MQTT')
      expect(await phone.evaluate('document.body.dataset.mode')).toBe('mqtt')
      // the secret was traded at login for a phone session token, the MQTT password; only the token is kept
      const stored = JSON.parse(String(await phone.evaluate("localStorage.getItem('care.session')")))
      expect(stored).toMatchObject({ role: 'carer', username: 'C01', mqtt: { carerId: 'C01' } })
      expect(typeof stored.token).toBe('string')
      expect(JSON.stringify(stored)).not.toContain(SECRET)
      // that exchange (POST /auth/carer) was the login page's; from here on the carer page calls no HTTP API
      expect(apiCalls.every((c) => c === 'POST /api/v1/auth/carer')).toBe(true)
      apiCalls.length = 0
    })

    it('goes on duty and reports the phone position', async () => {
      // duty is whatever this phone last said; it has said nothing yet
      expect(await phone.locator('#duty').getAttribute('data-duty')).toBe('unknown')
      await phone.click('#duty')
      await expect.poll(() => phone.locator('#duty').getAttribute('data-duty')).toBe('on')
      await expect.poll(() => world.app.surface.carer('C01')?.duty).toBe('on')
      await expect.poll(() => world.app.surface.carer('C01')?.position?.lat).toBeCloseTo(AWAY.lat, 6)
    })

    let alarmId = ''

    it('rings with an SOS offer carrying the elder file and its countdown, and accepts it', async () => {
      // the phone's clock is held where the test puts it, inside the offer's window: the countdown then
      // depends on the offer alone, not on how long anything took to start
      const pressedAt = world.clock.now()
      await phone.clock.setFixedTime(pressedAt + 5_000)
      try {
        await device.publish('care/v1/dev/D01/sos', { id: 'sos-1', ts: pressedAt })
        const offer = phone.locator('article.task.offer')
        await offer.waitFor()
        alarmId = String(await offer.getAttribute('data-alarm'))
        await expect.poll(() => phone.evaluate('document.body.dataset.ringing')).toBe('true')
        // everything on the card came in the task message: name, phone, address, contacts
        expect(await offer.textContent()).toContain('王秀兰')
        expect(await offer.textContent()).toContain('滨州市无棣县海丰街道12号')
        expect(await offer.locator('a[href="tel:13812345678"]').count()).toBe(1)
        expect(await offer.locator('a[href="tel:13900000000"]').count()).toBe(1)
        expect(await offer.locator('a[href^="geo:"]').count()).toBe(1)
        // what the page was given: a high-risk elder's offer stands 30 s from the alarm
        const given = await offerKept(alarmId)
        expect(given.alarm.raisedAt).toBe(pressedAt)
        expect(given.expiresAt - given.alarm.raisedAt).toBe(30_000)
        // the countdown is the offer's deadline less the page's own now, and it follows that clock
        const pageNow = await phone.evaluate<number>('Date.now()')
        expect(pageNow).toBe(pressedAt + 5_000)
        await expect.poll(() => secondsLeft(offer)).toBe(Math.round((given.expiresAt - pageNow) / 1000))
        await phone.clock.setFixedTime(pressedAt + 21_400)
        await expect.poll(() => secondsLeft(offer)).toBe(9)
        await screenshot(phone, 'carer-mqtt-offer-zh')

        await phone.click(`#accept-${alarmId}`)
        await expect.poll(() => card(alarmId).getAttribute('data-state')).toBe('accepted')
        await expect.poll(() => phone.evaluate('document.body.dataset.ringing')).toBe('false')
        await expect
          .poll(async () => (await world.api<Timeline>('GET', `/api/v1/alarms/${alarmId}`)).body.state)
          .toBe('accepted')
      } finally {
        // the phone's clock runs on again from here
        await phone.clock.setSystemTime(Date.now())
      }
    })

    it('keeps the task it holds across a reload: the list lives on the phone', async () => {
      await phone.reload()
      await phone.waitForSelector('#live-status[data-status=live]')
      await expect.poll(() => card(alarmId).getAttribute('data-state')).toBe('accepted')
      expect(await phone.locator('#duty').getAttribute('data-duty')).toBe('on')
    })

    it('checks in with the browser position and resolves', async () => {
      await mobile.setGeolocation({ latitude: AT_DOOR.lat, longitude: AT_DOOR.lon, accuracy: 10 })
      await phone.click(`#arrive-${alarmId}`)
      await expect.poll(() => card(alarmId).getAttribute('data-state')).toBe('arrived')
      await expect
        .poll(async () => (await world.api<Timeline>('GET', `/api/v1/alarms/${alarmId}`)).body.state)
        .toBe('arrived')
      const arrived = await world.api<Timeline>('GET', `/api/v1/alarms/${alarmId}`)
      expect(arrived.body.arrivalDistanceM).toBeLessThan(100)
      await screenshot(phone, 'carer-mqtt-arrived-zh')

      await phone.selectOption(`#outcome-${alarmId}`, 'assisted')
      await phone.fill(`#note-${alarmId}`, '已扶起，无外伤')
      await phone.click(`#resolve-${alarmId}`)
      await phone.waitForSelector('#no-tasks')
      await expect
        .poll(async () => (await world.api<Timeline>('GET', `/api/v1/alarms/${alarmId}`)).body.state)
        .toBe('resolved')
    })

    it('left each step on the timeline, every one of them sent over MQTT', async () => {
      const { body } = await world.api<Timeline>('GET', `/api/v1/alarms/${alarmId}`)
      expect(body.outcome).toBe('assisted')
      const steps = body.timeline.filter((e) => ['accepted', 'arrived', 'resolved'].includes(e.type))
      expect(steps.map((e) => [e.type, e.actor])).toEqual([
        ['accepted', 'C01'],
        ['arrived', 'C01'],
        ['resolved', 'C01'],
      ])
      // the gateway counted them as carer uplinks over MQTT…
      expect(await metric('care_uplinks_total{topic="carer_duty"}')).toBe(1)
      expect(await metric('care_uplinks_total{topic="carer_reply"}')).toBe(3)
      expect(await metric('care_uplinks_total{topic="carer_loc"}')).toBeGreaterThanOrEqual(1)
      // …and the page never once called the HTTP API
      expect(apiCalls).toEqual([])
    })

    it('comes back by itself after losing the connection, and gets the offer sent meanwhile', async () => {
      await phone.evaluate('window.careCarer.link.drop(1500)')
      await expect.poll(() => phone.locator('#live-status').getAttribute('data-status')).toBe('reconnecting')
      expect(await phone.locator('#live-status').textContent()).toContain('正在重连')
      // the SOS comes while the phone is away: the broker keeps the offer for the phone's session
      await device.publish('care/v1/dev/D01/sos', { id: 'sos-2', ts: world.clock.now() })
      await phone.waitForSelector('#live-status[data-status=live]', { timeout: 10_000 })
      const offer = phone.locator('article.task.offer')
      await offer.waitFor({ timeout: 5000 })
      const second = String(await offer.getAttribute('data-alarm'))
      expect(second).not.toBe(alarmId)
      await phone.click(`#decline-${second}`)
      await phone.waitForSelector('#no-tasks')
      const { body } = await world.api<Timeline>('GET', `/api/v1/alarms/${second}`)
      expect(body.timeline.some((e) => e.type === 'declined' && e.actor === 'C01')).toBe(true)
      expect(apiCalls).toEqual([])
    })

    it('works from the keyboard alone: focus follows the task from accept to resolve', async () => {
      const other = world.clients.find((c) => c.client.options.username === 'D02')
      await other?.publish('care/v1/dev/D02/sos', { id: 'sos-3', ts: world.clock.now() })
      const offer = phone.locator('article.task.offer')
      await offer.waitFor()
      const third = String(await offer.getAttribute('data-alarm'))
      const focused = () => phone.evaluate<string>('document.activeElement?.id ?? ""')
      // Tab from the top of the page to the offer's accept button
      await phone.focus('#duty')
      for (let i = 0; i < 20 && (await focused()) !== `accept-${third}`; i++)
        await phone.keyboard.press('Tab')
      expect(await focused()).toBe(`accept-${third}`)
      // every control on the way had a visible focus ring (style.css :focus-visible)
      const ring = await phone.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')
      expect(ring).toBe('solid')
      await phone.keyboard.press('Enter')
      await expect.poll(() => card(third).getAttribute('data-state')).toBe('accepted')
      // the button pressed is gone; focus moved on to the task's next step
      await expect.poll(focused).toBe(`arrive-${third}`)
      await phone.keyboard.press('Enter')
      await expect.poll(() => card(third).getAttribute('data-state')).toBe('arrived')
      await expect.poll(focused).toBe(`outcome-${third}`)
      await phone.keyboard.press('ArrowDown') // assisted → false alarm
      await phone.keyboard.press('Tab')
      expect(await focused()).toBe(`note-${third}`)
      await phone.keyboard.type('误触')
      await phone.keyboard.press('Tab')
      expect(await focused()).toBe(`resolve-${third}`)
      await phone.keyboard.press('Enter')
      await phone.waitForSelector('#no-tasks')
      await expect.poll(focused).toBe('tasks-title')
      const { body } = await world.api<Timeline>('GET', `/api/v1/alarms/${third}`)
      expect(body).toMatchObject({ state: 'resolved', outcome: 'false_alarm' })
      expect(body.timeline.find((e) => e.type === 'resolved')).toMatchObject({ actor: 'C01', note: '误触' })
    })

    it('goes off duty over MQTT too', async () => {
      await phone.click('#duty')
      await expect.poll(() => phone.locator('#duty').getAttribute('data-duty')).toBe('off')
      await expect.poll(() => world.app.surface.carer('C01')?.duty).toBe('off')
    })
  },
)
