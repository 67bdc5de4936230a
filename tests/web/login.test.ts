import mqtt from 'mqtt'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, mustRun, screenshot, user } from './support/browser.ts'

describe.skipIf(!haveChromium && !mustRun)('the login page on a fresh gateway: the admin token', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let page: Page
  let base = ''

  beforeAll(async () => {
    // as after the first `npm start`: no web user at all, only the admin token
    world = await startWorld()
    base = `http://127.0.0.1:${world.app.httpPort}`
    browsing = await launch()
    context = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    page = await context.newPage()
    page.on('pageerror', (error) => console.error('[login]', error.message))
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  const tokenForm = '#login-token'
  const signIn = async (token: string) => {
    await page.fill(`${tokenForm} input[name=token]`, token)
    await page.click(`${tokenForm} button[type=submit]`)
  }

  it('offers the three ways in, chosen with the keyboard too', async () => {
    await page.goto(`${base}/login`)
    expect(await page.isVisible('#login-password')).toBe(true)
    expect(await page.isVisible(tokenForm)).toBe(false)
    // radio buttons: arrow keys move between the ways in
    await page.focus('#mode-password')
    await page.keyboard.press('ArrowDown')
    expect(await page.isChecked('#mode-carer')).toBe(true)
    expect(await page.isVisible('#login-carer')).toBe(true)
    await page.keyboard.press('ArrowDown')
    expect(await page.isChecked('#mode-token')).toBe(true)
    expect(await page.isVisible(tokenForm)).toBe(true)
    expect(await page.textContent('label.mode:has(#mode-token)')).toContain('使用管理员令牌登录')
    await screenshot(page, 'login-token-zh')
  })

  it('says so for an unknown token and for a token that is not the admin one', async () => {
    await signIn('not-the-admin-token-at-all')
    await expect.poll(() => page.textContent('#login-error')).toBe('令牌无效或已过期')
    // a dispatcher's session token is valid, but not for admin-only routes
    await user(world, 'disp1', { role: 'dispatcher' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'disp1',
      password: 'pw-disp1-123456',
    })
    await signIn(login.body.token)
    await expect.poll(() => page.textContent('#login-error')).toBe('该令牌不是管理员令牌')
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  it('signs in with the admin token as admin, kept for this window only', async () => {
    await signIn(ADMIN_TOKEN)
    await page.waitForURL((url) => url.pathname === '/')
    await page.waitForSelector('#live-status[data-status=live]')
    expect(await page.textContent('nav.topbar .who')).toBe('admin')
    expect(await page.locator('nav.topbar a[href="/supervision"]').count()).toBe(1)
    const kept = JSON.parse(String(await page.evaluate("sessionStorage.getItem('care.session')")))
    expect(kept).toMatchObject({ role: 'admin', username: 'admin', token: ADMIN_TOKEN })
    expect(await page.evaluate("localStorage.getItem('care.session')")).toBeNull()
    // the token works for the admin's pages: supervision reads /stats with it
    await page.click('nav.topbar a[href="/supervision"]')
    await page.waitForURL((url) => url.pathname === '/supervision')
    await page.waitForSelector('#kpis .kpi')
  })

  it('logs out, and the token is gone from the browser', async () => {
    await page.click('nav.topbar button[data-i18n=logout]')
    await page.waitForURL((url) => url.pathname === '/login')
    expect(await page.evaluate("sessionStorage.getItem('care.session')")).toBeNull()
  })

  it('reads in English', async () => {
    await page.evaluate("localStorage.setItem('care.lang', 'en')")
    await page.goto(`${base}/login?mode=token`)
    expect(await page.isVisible(tokenForm)).toBe(true)
    expect(await page.textContent('label.mode:has(#mode-token)')).toContain('Sign in with the admin token')
    await signIn('not-the-admin-token-at-all')
    await expect.poll(() => page.textContent('#login-error')).toBe('Unknown or expired token')
  })
})

describe.skipIf(!haveChromium && !mustRun)('the login page’s `next`: only a path on this gateway', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let base = ''
  /** Every request the browser tried to send anywhere but the gateway (aborted, so nothing leaves). */
  const elsewhere: string[] = []

  beforeAll(async () => {
    world = await startWorld()
    base = `http://127.0.0.1:${world.app.httpPort}`
    browsing = await launch()
    context = await browsing.browser.newContext({ locale: 'zh-CN' })
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${base}/`)) return route.continue()
      elsewhere.push(url)
      return route.abort()
    })
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  /**
   * Signs in with the admin token from /login?next=…; says where the page went and what it tried to
   * reach off the gateway meanwhile.
   */
  async function signInWithNext(next: string): Promise<{ went: URL; left: string[] }> {
    const page = await context.newPage()
    const before = elsewhere.length
    const login = `${base}/login?mode=token&next=${encodeURIComponent(next)}`
    try {
      await page.goto(login)
      await page.fill('#login-token input[name=token]', ADMIN_TOKEN)
      // the click leads to one navigation, wherever it goes: wait for it to settle (or be aborted)
      await Promise.all([
        page.waitForEvent('framenavigated', {
          predicate: (f) => f === page.mainFrame() && f.url() !== login,
        }),
        page.click('#login-token button[type=submit]'),
      ])
      await page.waitForLoadState().catch(() => undefined)
      return { went: new URL(page.url()), left: elsewhere.slice(before) }
    } finally {
      await page.close()
    }
  }

  it('follows a path on the gateway', async () => {
    const { went, left } = await signInWithNext('/supervision?grid=Haifeng')
    expect(left).toEqual([])
    expect(went.origin).toBe(base)
    expect(went.pathname + went.search).toBe('/supervision?grid=Haifeng')
  })

  it.each([
    ['a backslash, which browsers read as a slash', '/\\example.com/x'],
    ['a protocol-relative URL', '//example.com'],
    ['a tab the URL parser drops', '/\t/example.com'],
    ['a script URL', 'javascript:document.title="owned"'],
    ['an absolute URL elsewhere', 'https://example.com/'],
  ])('stays on the gateway for %s, landing on the role’s home', async (_what, next) => {
    const { went, left } = await signInWithNext(next)
    expect(left).toEqual([])
    expect(went.origin).toBe(base)
    expect(went.pathname).toBe('/')
  })
})

describe.skipIf(!haveChromium && !mustRun)('a carer’s phone login: the secret is traded, never kept', () => {
  const SECRET = 'wf-2026-phone-secret'
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let page: Page
  let base = ''
  let token = ''

  /** Every key and value the page left in localStorage and sessionStorage. */
  const storage = () =>
    page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })')

  /** The CONNACK return code for the carer over the gateway's MQTT WebSocket with this password. */
  function connack(password: string): Promise<number> {
    const client = mqtt.connect(`ws://127.0.0.1:${world.app.httpPort}/mqtt`, {
      username: 'C01',
      password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      protocolVersion: 4,
    })
    return new Promise((resolve) => {
      client.once('connect', () => {
        client.end(true)
        resolve(0)
      })
      client.once('error', (error) => {
        client.end(true)
        resolve((error as { code?: number }).code ?? -1)
      })
    })
  }

  beforeAll(async () => {
    world = await startWorld()
    world.clock.set(Date.now())
    base = `http://127.0.0.1:${world.app.httpPort}`
    await world.api('PUT', '/api/v1/carers/C01', { name: '王芳', mode: 'ebike', secret: SECRET })
    browsing = await launch()
    context = await browsing.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    page = await context.newPage()
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('keeps only a session token, which the carer page uses over MQTT', async () => {
    await page.goto(`${base}/login?mode=carer`)
    await page.fill('input[name=carerId]', 'C01')
    await page.fill('input[name=secret]', SECRET)
    await page.click('#login-carer button[type=submit]')
    await page.waitForURL((url) => url.pathname === '/carer')
    await page.waitForSelector('#live-status[data-status=live]')
    const kept = await storage()
    expect(kept).not.toContain(SECRET)
    const session = JSON.parse(String(await page.evaluate("localStorage.getItem('care.session')")))
    expect(session).toMatchObject({ role: 'carer', username: 'C01', mqtt: { carerId: 'C01' } })
    token = String(session.token)
    expect(token.length).toBeGreaterThan(20)
    // the page is live on that token: the broker knows it as C01
    expect(await connack(token)).toBe(0)
    expect(world.app.surface.connections()).toBeGreaterThanOrEqual(1)
  })

  it('revokes the token at logout: the next MQTT CONNECT with it is refused', async () => {
    await page.click('nav.topbar button[data-i18n=logout]')
    await page.waitForURL((url) => url.pathname === '/login')
    expect(await storage()).not.toContain(token)
    expect(await connack(token)).toBe(4)
    // the carer can still sign in again with the secret
    expect(await connack(SECRET)).toBe(0)
  })
})
