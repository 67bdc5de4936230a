import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { TestWatch } from '../support/watch.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'
import { frame } from '../watch/frames.ts'
import { openConsole } from './support/admin.ts'
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

/**
 * The admin console's account sections in Chromium against a real gateway: devices, carers, web users
 * and services, each changed through the API as a person at the console would, and checked where it
 * counts — the broker, the login page, the audit log.
 */

/** Markup that runs script if a page ever writes it as HTML. */
const markup = {
  elder: '<img src=x onerror=__pwned=1>李<script>__pwned=2</script>',
  carer: '<img src=x onerror=__pwned=3>芳<b>粗</b>',
  user: '<svg onload=__pwned=4></svg>张',
}

describe.skipIf(!haveChromium && !mustRun)('the admin console’s accounts in Chromium', () => {
  let world: World
  let browsing: Browsing
  let desk: BrowserContext
  let page: Page
  let base = ''
  /** Every MQTT client a test opened, closed with the world. */
  const opened: TestClient[] = []

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_WATCH_PORT: '0' } })
    base = `http://127.0.0.1:${world.app.httpPort}`
    browsing = await launch()
    await user(world, 'admin1', { role: 'admin', name: '管理员' })
    await user(world, 'disp0', { role: 'dispatcher' })
    await world.elder('E01', { name: '王秀兰' })
    await world.elder('E02', { name: '赵桂英', home: offset(HOME, 500, 0) })
    await world.elder('E03', { name: markup.elder, home: offset(HOME, -500, 0) })
    desk = await browsing.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
      permissions: ['clipboard-read', 'clipboard-write'],
    })
    page = await login(desk, world, 'admin1')
  })

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined)))
    await browsing?.close()
    await world?.stop()
  })

  /** Opens the console at `hash` and waits for the section to be drawn. */
  const open = (hash: string) => openConsole(page, base, hash)

  /** An MQTT CONNECT as `id` with `secret`: the client, or the broker's refusal. */
  async function connect(id: string, secret: string): Promise<TestClient> {
    const client = await TestClient.connect(world.mqttUrl, id, secret)
    opened.push(client)
    return client
  }

  /** The secret the page shows once, after it said so. */
  async function shownSecret(): Promise<string> {
    await page.locator('#secret-once').waitFor()
    expect(await page.textContent('#secret-warn')).toContain('只显示这一次')
    return page.inputValue('#secret-value')
  }

  /** The console's live chip says "live" (its attribute named either way). */
  const live = () => page.waitForSelector('#live-status[data-state=live], #live-status[data-status=live]')
  const errorFor = (name: string) => page.locator(`[data-error-for="${name}"]`)
  const deviceRow = (id: string) => page.locator(`tr.device-row[data-id="${id}"]`)

  it('registers a device for an elder with its secret shown once, then sees it come online live', async () => {
    // the elder's file links here with the elder chosen
    await open('#/devices/new?elder=E01')
    expect(await page.inputValue('input[name=elderId]')).toBe('E01')
    await expect.poll(() => page.textContent('#elder-name')).toBe('王秀兰')
    await page.fill('input[name=id]', 'D100')
    await page.selectOption('select[name=kind]', 'terminal')
    await page.fill('input[name=intervalS]', '120')
    await page.click('#device-form button[type=submit]')
    const secret = await shownSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/)
    // copied with one press, the copy button having the focus
    expect(await page.evaluate('document.activeElement?.id')).toBe('secret-copy')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.textContent('#secret-copied')).toBe('已复制到剪贴板')
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret)
    const stored = await world.api('GET', '/api/v1/devices/D100')
    expect(stored.body).toMatchObject({ id: 'D100', kind: 'terminal', elderId: 'E01', intervalS: 120 })

    // once left, the secret is nowhere: not on the device's page, not in the list
    await page.click('#secret-done')
    await page.locator('#device-summary dl').waitFor()
    expect(await page.locator('#secret-value').count()).toBe(0)
    expect(await page.content()).not.toContain(secret)
    await open('#/devices')
    const row = deviceRow('D100')
    await expect.poll(() => row.locator('td.elder').textContent()).toContain('王秀兰')
    expect(await row.locator('td.elder a').getAttribute('href')).toBe('#/elders/E01')
    expect(await row.getAttribute('data-online')).toBe('unknown')
    await live()

    // a real device with that secret: the broker lets it in, and the list hears it over /live
    const device = await connect('D100', secret)
    await device.publish('care/v1/dev/D100/status', { online: true, battery: 87 })
    await expect.poll(() => row.getAttribute('data-online')).toBe('true')
    await expect.poll(() => row.locator('td.online').textContent()).toContain('在线')
    expect(await row.locator('td.battery').textContent()).toBe('87%')
    await screenshot(page, 'admin-devices-zh', true)
    await device.publish('care/v1/dev/D100/status', { online: false })
    await expect.poll(() => row.getAttribute('data-online')).toBe('false')
  })

  it('rotates the device’s secret: the new one is shown once, and the broker refuses the old', async () => {
    await open('#/devices/D100')
    await expect.poll(() => page.inputValue('input[name=elderId]')).toBe('E01')
    // the secret the first test's device got in with
    const first = opened.find((c) => c.client.options.username === 'D100')
    const oldSecret = String(first?.client.options.password)
    await page.click('#device-rotate')
    expect(await page.evaluate('document.activeElement?.id')).toBe('device-rotate-yes')
    await page.click('#device-rotate-yes')
    const secret = await shownSecret()
    expect(secret).not.toBe(oldSecret)
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('secret-copy')
    await expect(TestClient.connect(world.mqttUrl, 'D100', oldSecret)).rejects.toThrow()
    await connect('D100', secret)
    // only the secret changed
    const after = await world.api('GET', '/api/v1/devices/D100')
    expect(after.body).toMatchObject({ kind: 'terminal', elderId: 'E01', intervalS: 120 })
    await page.click('#secret-done')
    expect(await page.locator('#secret-value').count()).toBe(0)
  })

  it('re-binds a known device to another elder from its page, keeping its secret', async () => {
    // the register form does not take over a known id: it sends the admin to the device's page
    await open('#/devices/new?elder=E02')
    await page.fill('input[name=id]', 'D100')
    await page.click('#device-form button[type=submit]')
    await expect.poll(() => errorFor('id').textContent()).toContain('已登记')
    await page.click('#device-exists-open')
    await page.locator('#device-summary dl').waitFor()
    await expect.poll(() => page.inputValue('input[name=elderId]')).toBe('E02')
    await expect.poll(() => page.textContent('#elder-name')).toBe('赵桂英')
    await page.click('#device-form button[type=submit]')
    await expect.poll(() => page.textContent('#device-saved')).toBe('已保存')
    await expect.poll(() => page.textContent('#device-elder')).toContain('赵桂英')
    expect((await world.api('GET', '/api/v1/devices/D100')).body).toMatchObject({ elderId: 'E02' })
    // the PUT without a secret kept it: the device still gets in with the one shown last
    const latest = opened.filter((c) => c.client.options.username === 'D100').at(-1)
    await connect('D100', String(latest?.client.options.password))
  })

  it('sends a watch “locate now”, and says so plainly when the watch is not connected', async () => {
    const id = '8600000009'
    await world.api('PUT', `/api/v1/devices/${id}`, {
      kind: 'watch',
      elderId: 'E01',
      secret: 'unused-secret',
    })
    await open(`#/devices/${id}`)
    await page.click('#command-locate')
    await expect
      .poll(() => page.textContent('#command-said'))
      .toBe('手表当前未连接网关，指令无法送达。请确认手表已开机并联网后再试。')
    const watch = await TestWatch.connect(world.app.surface.ports.watch ?? 0)
    try {
      watch.write(frame('LK', { id }))
      await watch.next((f) => f.type === 'LK')
      await page.click('#command-locate')
      await watch.next((f) => f.type === 'CR')
      await expect.poll(() => page.textContent('#command-said')).toBe('指令已发送，手表将自行回应')
    } finally {
      await watch.end()
    }
    // a phone takes no commands: the page offers none
    await open('#/devices/D100')
    await page.locator('#device-summary dl').waitFor()
    expect(await page.locator('#device-commands').isVisible()).toBe(false)
  })

  it('shows a wrong field’s refusal next to it, keeping everything typed', async () => {
    await open('#/devices/new')
    await page.fill('input[name=id]', 'bad id!')
    await page.selectOption('select[name=kind]', 'watch')
    await page.fill('input[name=elderId]', 'E01')
    await page.fill('input[name=intervalS]', '600')
    await page.click('#device-form button[type=submit]')
    await expect.poll(() => errorFor('id').textContent()).toBe('must be 3-64 letters, digits, _ or -')
    expect(await page.getAttribute('input[name=id]', 'aria-invalid')).toBe('true')
    expect(await page.inputValue('input[name=id]')).toBe('bad id!')
    expect(await page.inputValue('select[name=kind]')).toBe('watch')
    expect(await page.inputValue('input[name=elderId]')).toBe('E01')
    expect(await page.inputValue('input[name=intervalS]')).toBe('600')
    // the next refusal replaces the first, each under its own field
    await page.fill('input[name=id]', 'D200')
    await page.fill('input[name=intervalS]', '5')
    await page.click('#device-form button[type=submit]')
    await expect.poll(() => errorFor('intervalS').textContent()).toContain('>=10')
    expect(await errorFor('id').textContent()).toBe('')
    await page.fill('input[name=intervalS]', '600')
    await page.fill('input[name=elderId]', 'E99')
    await page.click('#device-form button[type=submit]')
    await expect.poll(() => errorFor('elderId').textContent()).toBe('no elder E99')
    expect(await page.inputValue('input[name=id]')).toBe('D200')
    expect((await world.api('GET', '/api/v1/devices/D200')).status).toBe(404)

    await open('#/users/new')
    await page.fill('input[name=username]', 'x')
    await page.fill('input[name=name]', '小张')
    await page.fill('input[name=password]', 'short')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => errorFor('username').textContent()).toBe('must be 3-64 letters, digits, _ or -')
    await page.fill('input[name=username]', 'disp9')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => errorFor('password').textContent()).toBe('must be at least 8 characters')
    await screenshot(page, 'admin-user-refused-zh')
    expect(await page.inputValue('input[name=username]')).toBe('disp9')
    expect(await page.inputValue('input[name=name]')).toBe('小张')
    expect(await page.inputValue('input[name=password]')).toBe('short')
    // a carer login names a carer that exists
    await page.selectOption('select[name=role]', 'carer')
    await page.fill('input[name=carerId]', 'C999')
    await page.fill('input[name=password]', 'long-enough-password')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => errorFor('carerId').textContent()).toBe('no carer C999')
    expect((await world.api('GET', '/api/v1/users/disp9')).status).toBe(404)
  })

  it('creates a dispatcher login, who signs in in a fresh browser and lands on the board', async () => {
    await open('#/users/new')
    await page.fill('input[name=username]', 'disp2')
    await page.selectOption('select[name=role]', 'dispatcher')
    await page.fill('input[name=name]', markup.user)
    expect(await page.locator('input[name=grid]').isVisible()).toBe(false)
    await page.fill('input[name=password]', 'pw-disp2-123456')
    await page.click('#user-form button[type=submit]')
    await page.waitForURL((url) => url.hash === '#/users/disp2?created')
    await expect.poll(() => page.textContent('#user-saved')).toBe('已创建用户。')
    expect((await world.api('GET', '/api/v1/users/disp2')).body).toMatchObject({
      role: 'dispatcher',
      name: markup.user,
      disabled: false,
    })
    const fresh = await browsing.browser.newContext({ locale: 'zh-CN' })
    try {
      const board = await login(fresh, world, 'disp2')
      expect(new URL(board.url()).pathname).toBe('/')
      await board.waitForSelector('#live-status[data-status=live]')
    } finally {
      await fresh.close()
    }
  })

  it('disables a user, whose login then fails; enables them again, then deletes them', async () => {
    await open('#/users')
    const row = page.locator('tr.user-row[data-username="disp2"]')
    await row.locator('button.disable').click()
    await expect.poll(() => row.getAttribute('data-disabled')).toBe('true')
    expect((await world.api('GET', '/api/v1/users/disp2')).body).toMatchObject({ disabled: true })
    const fresh = await browsing.browser.newContext({ locale: 'zh-CN' })
    try {
      const login = await fresh.newPage()
      await login.goto(`${base}/login`)
      await login.fill('input[name=username]', 'disp2')
      await login.fill('input[name=password]', 'pw-disp2-123456')
      await login.click('#login-password button[type=submit]')
      await expect.poll(() => login.textContent('#login-error')).toBe('用户名或密码错误')
      expect(new URL(login.url()).pathname).toBe('/login')
    } finally {
      await fresh.close()
    }
    await row.locator('button.enable').click()
    await expect.poll(() => row.getAttribute('data-disabled')).toBe('false')
    // delete asks once more, in place, and cancel goes back
    await row.locator('button.delete').click()
    await row.locator('button.delete-no').click()
    expect(await row.locator('button.delete').count()).toBe(1)
    await row.locator('button.delete').click()
    expect(await page.evaluate('document.activeElement?.className')).toContain('delete-yes')
    await row.locator('button.delete-yes').click()
    await expect.poll(() => row.count()).toBe(0)
    expect(await page.textContent('#users-said')).toBe('已删除 disp2')
    expect((await world.api('GET', '/api/v1/users/disp2')).status).toBe(404)
  })

  it('adds a carer with a secret shown once and puts them on duty on their behalf, in the audit', async () => {
    await open('#/carers/new')
    await page.fill('input[name=id]', 'C100')
    await page.fill('input[name=name]', markup.carer)
    await page.fill('input[name=phone]', '13700001111')
    await page.fill('input[name=station]', '东关服务站')
    await page.selectOption('select[name=mode]', 'bike')
    await page.fill('input[name="base.lat"]', String(HOME.lat))
    await page.fill('input[name="base.lon"]', String(HOME.lon))
    await page.click('#carer-form button[type=submit]')
    const secret = await shownSecret()
    expect((await world.api('GET', '/api/v1/carers/C100')).body).toMatchObject({
      name: markup.carer,
      station: '东关服务站',
      mode: 'bike',
      duty: 'off',
    })
    // the carer's phone gets in with it
    const phone = await connect('C100', secret)

    await open('#/carers')
    await live()
    const row = page.locator('tr.carer-row[data-id="C100"]')
    await expect.poll(() => row.getAttribute('data-duty')).toBe('off')
    expect(await row.locator('.last-fix').textContent()).toBe('无定位')
    await row.locator('button.duty-toggle').click()
    await expect.poll(() => row.getAttribute('data-duty')).toBe('on')
    expect(await row.locator('.duty-word').textContent()).toBe('在岗')
    await screenshot(page, 'admin-carers-zh')
    expect(await row.locator('.mode').textContent()).toBe('自行车')
    expect((await world.api('GET', '/api/v1/carers/C100')).body).toMatchObject({ duty: 'on' })
    await expect
      .poll(
        async () =>
          (await world.api<{ items: unknown[] }>('GET', '/api/v1/audit?action=carer.duty')).body.items,
      )
      .toEqual([expect.objectContaining({ actor: 'admin1', target: 'C100', detail: { status: 'on' } })])

    // the carer's own phone moves the row live: a fix, then off duty
    await phone.publish('care/v1/carer/C100/loc', { ts: world.clock.now(), ...offset(HOME, 50, 0) })
    await expect.poll(() => row.locator('.last-fix').textContent()).toMatch(/秒前$/)
    expect(await row.locator('.alarms-today').textContent()).toBe('0')
    await phone.publish('care/v1/carer/C100/duty', { status: 'off' })
    await expect.poll(() => row.getAttribute('data-duty')).toBe('off')

    // a new secret on the carer's page: shown once, and the old one no longer gets a phone in
    await open('#/carers/C100')
    await page.click('#carer-rotate')
    await page.click('#carer-rotate-yes')
    const rotated = await shownSecret()
    expect(rotated).not.toBe(secret)
    await expect(TestClient.connect(world.mqttUrl, 'C100', secret)).rejects.toThrow()
    await connect('C100', rotated)
    expect((await world.api('GET', '/api/v1/carers/C100')).body).toMatchObject({
      station: '东关服务站',
      mode: 'bike',
    })
  })

  it('creates a service principal with a secret shown once, and rotates it', async () => {
    // from the keyboard alone: the id box has the focus, Tab to the name, Enter sends
    await open('#/services/new')
    await expect.poll(() => page.evaluate('document.activeElement?.name')).toBe('id')
    await page.keyboard.type('S100')
    await page.keyboard.press('Tab')
    await page.keyboard.type('区平台对接')
    await page.keyboard.press('Enter')
    const secret = await shownSecret()
    await screenshot(page, 'admin-service-secret-zh')
    const service = await connect('S100', secret)
    expect(await service.subscribe('care/v1/events/#')).toEqual([1])
    await page.click('#secret-done')
    await page.locator('#service-secret').waitFor()
    await page.click('#service-rotate')
    await page.click('#service-rotate-yes')
    const rotated = await shownSecret()
    expect(rotated).not.toBe(secret)
    await expect(TestClient.connect(world.mqttUrl, 'S100', secret)).rejects.toThrow()
    await connect('S100', rotated)
    await open('#/services')
    await expect
      .poll(() => page.locator('tr.service-row[data-id="S100"] .name').textContent())
      .toBe('区平台对接')
  })

  it('changes a user’s role, grid scope and password; an empty password box keeps the old one', async () => {
    await user(world, 'sup2', { role: 'dispatcher' })
    const signIn = (password: string) =>
      world.api('POST', '/api/v1/auth/login', { username: 'sup2', password }).then((r) => r.status)
    await open('#/users/sup2')
    await page.locator('#user-form').waitFor()
    expect(await page.locator('input[name=grid]').isVisible()).toBe(false)
    await page.selectOption('select[name=role]', 'supervisor')
    expect(await page.locator('input[name=grid]').isVisible()).toBe(true)
    await page.fill('input[name=grid]', 'Haifeng St / Dongguan')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => page.textContent('#user-saved')).toBe('已保存')
    expect((await world.api('GET', '/api/v1/users/sup2')).body).toMatchObject({
      role: 'supervisor',
      grid: ['Haifeng St', 'Dongguan'],
    })
    expect(await signIn('pw-sup2-123456')).toBe(200)
    await page.fill('input[name=password]', 'a-new-password-42')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => page.textContent('#user-saved')).toBe('已保存')
    expect(await page.inputValue('input[name=password]')).toBe('')
    expect(await signIn('pw-sup2-123456')).toBe(401)
    expect(await signIn('a-new-password-42')).toBe(200)
  })

  it('shows markup in names as the characters they are, and runs none of it', async () => {
    await world.api('PUT', '/api/v1/devices/D300', { kind: 'phone', elderId: 'E03', secret: 'secret-D300' })
    await user(world, 'sup1', { role: 'supervisor', name: markup.user, grid: ['Haifeng St'] })
    await open('#/devices')
    await expect.poll(() => deviceRow('D300').locator('td.elder a').textContent()).toBe(markup.elder)
    await open('#/devices/D300')
    await expect.poll(() => page.locator('#device-elder a').textContent()).toBe(markup.elder)
    await open('#/carers')
    await expect
      .poll(() => page.locator('tr.carer-row[data-id="C100"] .name').textContent())
      .toBe(markup.carer)
    await open('#/users')
    await expect
      .poll(() => page.locator('tr.user-row[data-username="sup1"] .name').textContent())
      .toBe(markup.user)
    expect(await page.locator('tr.user-row[data-username="sup1"] .grid').textContent()).toBe('Haifeng St')
    await open('#/carers/C100')
    await expect.poll(() => page.inputValue('input[name=name]')).toBe(markup.carer)
    expect(
      await page
        .locator('#admin-content img, #admin-content script, #admin-content svg, #admin-content b')
        .count(),
    ).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
  })

  it('keeps a dispatcher out: no admin link, sent away from /admin, 403 from the console’s API', async () => {
    // the admin sees the link
    expect(await page.locator('nav.topbar a[href="/admin"]').count()).toBe(1)
    // the console's page sends a dispatcher home before drawing anything, and says why on its console
    tolerate(/not for this role/)
    const fresh = await browsing.browser.newContext({ locale: 'zh-CN' })
    try {
      const board = await login(fresh, world, 'disp0')
      expect(await board.locator('nav.topbar a[href="/admin"]').count()).toBe(0)
      // the page sends itself away while it loads: wait for the answer, then for where it went
      await board.goto(`${base}/admin#/users`, { waitUntil: 'commit' })
      await board.waitForURL((url) => url.pathname === '/')
      expect(await board.locator('#admin-tabs').count()).toBe(0)
      const statuses = await board.evaluate(async () => {
        const token = JSON.parse(localStorage.getItem('care.session') ?? '{}').token
        const headers = { authorization: `Bearer ${token}` }
        const ask = (path: string, init: RequestInit = {}) =>
          fetch(`/api/v1${path}`, {
            ...init,
            headers: { ...headers, 'content-type': 'application/json' },
          }).then((r) => r.status)
        return {
          users: await ask('/users'),
          services: await ask('/services'),
          put: await ask('/users/evil1', {
            method: 'PUT',
            body: JSON.stringify({ role: 'admin', password: 'x'.repeat(12) }),
          }),
        }
      })
      expect(statuses).toEqual({ users: 403, services: 403, put: 403 })
    } finally {
      await fresh.close()
    }
  })

  it('reads in English', async () => {
    await page.evaluate("localStorage.setItem('care.lang', 'en')")
    await open('#/devices')
    await page.reload()
    await page.waitForSelector('#admin-content[data-section="devices"]')
    expect(await page.textContent('#tab-devices')).toBe('Devices')
    await expect.poll(() => deviceRow('D100').locator('td.elder').textContent()).toContain('赵桂英')
    expect(await page.locator('#devices-table th').first().textContent()).toBe('ID')
    await open('#/users/new')
    expect(await page.textContent('#user-form button[type=submit]')).toBe('Add a user')
    await page.evaluate("localStorage.setItem('care.lang', 'zh-CN')")
  })

  // last: it retires the bootstrap token the other tests' API calls use
  it('refuses to take away the last way in as an admin, saying so next to the field', async () => {
    const retired = await world.api('POST', '/api/v1/auth/bootstrap-token/retire', undefined, ADMIN_TOKEN)
    expect(retired.status).toBe(200)
    await open('#/users/admin1')
    await page.selectOption('select[name=role]', 'dispatcher')
    await page.fill('input[name=name]', '管理员（改）')
    await page.click('#user-form button[type=submit]')
    await expect.poll(() => errorFor('role').textContent()).toContain('last enabled admin')
    expect(await page.inputValue('select[name=role]')).toBe('dispatcher')
    expect(await page.inputValue('input[name=name]')).toBe('管理员（改）')
    await open('#/users')
    const row = page.locator('tr.user-row[data-username="admin1"]')
    await row.locator('button.disable').click()
    await expect.poll(() => row.locator('.row-error').textContent()).toContain('last enabled admin')
    expect(await row.getAttribute('data-disabled')).toBe('false')
  })
})
