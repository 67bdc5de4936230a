import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { vi } from 'vitest'
import { ADMIN_TOKEN, type World } from '../../support/world.ts'

/**
 * A page answers a step through the gateway and Chromium, on a machine that may be busy with other
 * work: every `expect.poll` of the browser tests waits up to 5 s instead of the default 1 s.
 */
vi.setConfig({ expect: { poll: { timeout: 5_000, interval: 50 } } })

export const CHROMIUM = '/usr/bin/chromium'
/** Under CI a missing Chromium is a failure, never a skip. */
export const haveChromium = existsSync(CHROMIUM)
export const mustRun = process.env.CI === 'true'

/**
 * Screenshots: every one into a temp dir (artifacts); with CARE_WEB_DOCS_SHOTS=1 the ones named for the
 * docs also into docs/img (a plain test run leaves the work tree as it found it).
 */
export const shotsDir = process.env.CARE_WEB_SHOTS ?? join(tmpdir(), 'care-web-shots')
const docsImg = resolve(import.meta.dirname, '../../../docs/img')

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
  page.on('pageerror', (error) => console.error(`[page ${username}]`, error.message))
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
