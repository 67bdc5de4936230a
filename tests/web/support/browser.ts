import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  chromium,
  type Page,
  type Worker,
} from 'playwright-core'
import { afterEach, vi } from 'vitest'
import { underCi } from '../../support/ci.ts'
import { ADMIN_TOKEN, type World } from '../../support/world.ts'

/**
 * A page answers a step through the gateway and Chromium, on a machine that may be busy with other
 * work: every `expect.poll` of the browser tests waits up to 5 s instead of the default 1 s.
 */
vi.setConfig({ expect: { poll: { timeout: 5_000, interval: 50 } } })

export const CHROMIUM = '/usr/bin/chromium'
/** Under CI a missing Chromium is a failure, never a skip. */
export const haveChromium = existsSync(CHROMIUM)
export const mustRun = underCi()

/**
 * Screenshots: every one into a temp dir (artifacts); with CARE_WEB_DOCS_SHOTS=1 the ones named for the
 * docs also into docs/img (a plain test run leaves the work tree as it found it).
 */
export const shotsDir = process.env.CARE_WEB_SHOTS ?? join(tmpdir(), 'care-web-shots')
const docsImg = resolve(import.meta.dirname, '../../../docs/img')

/**
 * A page that throws or logs an error fails the test it happened in: every page and service worker of
 * every context made with `launch()` is watched, and the errors are checked after each test. A refusal
 * the page asked for and handles (an API 4xx: a wrong password, an unknown token) is not an error of
 * the page; a test that provokes anything else on purpose says so with `tolerate`.
 */
const pageErrors: string[] = []
let tolerated: RegExp[] = []

/** The errors seen since the last test ended (the watch's own test reads them). */
export function collected(): readonly string[] {
  return [...pageErrors]
}

/** For the current test only: errors matching `pattern` are expected (e.g. a blocked injection). */
export function tolerate(pattern: RegExp): void {
  tolerated.push(pattern)
}

afterEach(() => {
  const errors = pageErrors.splice(0).filter((e) => !tolerated.some((p) => p.test(e)))
  tolerated = []
  if (errors.length > 0) throw new Error(`errors in the page:\n  ${errors.join('\n  ')}`)
})

function expectedRefusal(message: ConsoleMessage): boolean {
  const where = message.location().url
  return (
    /Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
    new URL(where || 'about:blank', 'http://x').pathname.startsWith('/api/')
  )
}

/** The watched contexts' service workers: `watchServiceWorker` reports their errors, once. */
const serviceWorkers = new WeakSet<Worker>()

function fromServiceWorker(message: ConsoleMessage): boolean {
  const worker = message.worker()
  return worker !== null && serviceWorkers.has(worker)
}

export function watchPage(page: Page): Page {
  const label = () => new URL(page.url() || 'about:blank', 'http://x').pathname
  page.on('pageerror', (error) => pageErrors.push(`[${label()}] uncaught: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() !== 'error' || expectedRefusal(message) || fromServiceWorker(message)) return
    pageErrors.push(`[${label()}] console: ${message.text()} (${message.location().url})`)
  })
  page.on('dialog', (dialog) => {
    pageErrors.push(`[${label()}] dialog: ${dialog.message()}`)
    void dialog.dismiss().catch(() => undefined)
  })
  return page
}

/**
 * Playwright hands on a service worker's console but not its uncaught errors, which belong to no page:
 * the worker is asked to say them on its console, from the moment it is seen on (an error while its
 * script first runs comes too early for that).
 */
const SAY_ERRORS = `
  self.addEventListener('error', (e) => console.error('uncaught: ' + e.message))
  self.addEventListener('unhandledrejection', (e) =>
    console.error('unhandled rejection: ' + ((e.reason && e.reason.message) || e.reason)))`

export function watchServiceWorker(worker: Worker): Worker {
  serviceWorkers.add(worker)
  const label = `[service worker ${new URL(worker.url()).pathname}]`
  worker.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${label} console: ${message.text()}`)
  })
  void worker.evaluate(SAY_ERRORS).catch(() => undefined)
  return worker
}

export interface Browsing {
  browser: Browser
  close(): Promise<void>
}

/**
 * Chromium from Debian, headless, with these flags and a fresh profile (playwright gives every
 * launch its own temporary --user-data-dir and refuses one in the arguments).
 */
export async function launch(): Promise<Browsing> {
  if (!haveChromium) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      // date pickers and number formats as a Chinese desktop shows them
      '--lang=zh-CN',
    ],
  })
  // every context's pages and service workers are watched (see `watchPage`), whoever opens them;
  // `browser.newPage()` makes its context with this `newContext` too
  const open = browser.newContext.bind(browser)
  browser.newContext = async (options) => {
    const context = await open(options)
    context.on('page', watchPage)
    context.on('serviceworker', watchServiceWorker)
    return context
  }
  return {
    browser,
    async close() {
      await browser.close()
    },
  }
}

export async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(shotsDir, { recursive: true })
  await page.screenshot({ path: join(shotsDir, `${name}.png`) })
  if (forDocs && process.env.CARE_WEB_DOCS_SHOTS === '1') {
    mkdirSync(docsImg, { recursive: true })
    await page.screenshot({ path: join(docsImg, `${name}.png`) })
  }
}

/** A web user with a password, made through the API as an admin would. */
export async function user(world: World, username: string, body: Record<string, unknown>): Promise<void> {
  const res = await world.api(
    'PUT',
    `/api/v1/users/${username}`,
    { password: `pw-${username}-123456`, ...body },
    ADMIN_TOKEN,
  )
  if (res.status >= 300) throw new Error(`PUT user ${username}: ${res.status} ${JSON.stringify(res.body)}`)
}

/** Logs in through the login page, as a person would. */
export async function login(
  context: BrowserContext,
  world: World,
  username: string,
  lang: 'zh-CN' | 'en' = 'zh-CN',
): Promise<Page> {
  const page = await context.newPage()
  const base = `http://127.0.0.1:${world.app.httpPort}`
  await page.goto(`${base}/login`)
  await page.evaluate(`localStorage.setItem('care.lang', ${JSON.stringify(lang)})`)
  await page.reload()
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', `pw-${username}-123456`)
  await page.click('#login-password button[type=submit]')
  await page.waitForURL((url) => url.pathname !== '/login')
  return page
}

/**
 * A carer's phone at a place (its browser's geolocation), signed in with a web login and live: the
 * carer page as the visits and the following tests use it.
 */
export async function phoneAt(
  browsing: Browsing,
  world: World,
  username: string,
  at: { lat: number; lon: number },
): Promise<Page> {
  const context = await browsing.browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    locale: 'zh-CN',
    hasTouch: true,
    geolocation: { latitude: at.lat, longitude: at.lon, accuracy: 12 },
    permissions: ['geolocation'],
  })
  const page = await login(context, world, username)
  await page.waitForSelector('#live-status[data-status=live]')
  return page
}
