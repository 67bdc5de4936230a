import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEB_DIR, pages } from '../../gateway/api/web.ts'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, mustRun } from './support/browser.ts'

/** `content-security-policy` as directive → sources. */
function csp(header: string | string[] | number | null | undefined): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of String(header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) directives.set(name, sources)
  }
  return directives
}

// one gateway with the embedded Node-RED for the file: its editor is the page with the looser policy
let world: World
let base = ''
beforeAll(async () => {
  world = await startWorld({ env: { CARE_FLOWS: 'on' } })
  await world.app.surface.flows.ready
  base = `http://127.0.0.1:${world.app.httpPort}`
}, 60_000)
afterAll(async () => {
  await world?.stop()
})

describe('security headers on every page and API answer', () => {
  it('sends a policy with scripts from the gateway only, and the usual headers', async () => {
    const board = await world.app.surface.inject({ method: 'GET', url: '/' })
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(board.body)?.[1] ?? ''
    const urls = [
      ...Object.keys(pages),
      script,
      '/favicon.ico',
      '/api/v1/health',
      '/api/v1/alarms',
      '/nothing',
    ]
    for (const url of urls) {
      const res = await world.app.surface.inject({ method: 'GET', url })
      const policy = csp(res.headers['content-security-policy'])
      expect(policy.get('script-src'), url).toEqual(["'self'"])
      expect(policy.get('script-src-attr'), url).toEqual(["'none'"])
      expect(policy.get('default-src'), url).toEqual(["'self'"])
      expect(policy.get('style-src'), url).toEqual(["'self'"])
      expect(policy.get('object-src'), url).toEqual(["'none'"])
      expect(policy.get('frame-ancestors'), url).toEqual(["'none'"])
      // the gateway is often reached over plain HTTP inside a centre: never force HTTPS
      expect(policy.has('upgrade-insecure-requests'), url).toBe(false)
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
      expect(res.headers['x-frame-options'], url).toBe('DENY')
      expect(res.headers['referrer-policy'], url).toBe('no-referrer')
    }
  })

  it('builds pages with no inline script or style for the policy to refuse', () => {
    for (const file of Object.values(pages)) {
      const html = readFileSync(join(DEFAULT_WEB_DIR, file), 'utf8')
      const scripts = html.match(/<script\b[^>]*>/g) ?? []
      expect(scripts.length, file).toBeGreaterThan(0)
      for (const tag of scripts) expect(tag, file).toMatch(/\ssrc="\/assets\//)
      expect(html, file).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
    }
  })
})

describe.skipIf(!haveChromium && !mustRun)('pages of others’ making, in Chromium', () => {
  let browsing: Browsing
  beforeAll(async () => {
    browsing = await launch()
  })
  afterAll(async () => {
    await browsing?.close()
  })

  it('still opens the Node-RED editor for an admin, under its own looser policy', async () => {
    const context = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 } })
    const page = await context.newPage()
    const res = await page.goto(`${base}/flows/?token=${ADMIN_TOKEN}`)
    expect(new URL(page.url()).pathname).toBe('/flows/')
    expect(csp(await res?.headerValue('content-security-policy')).get('script-src')).toContain(
      "'unsafe-inline'",
    )
    // the palette is filled from the node definitions, inline scripts included; the shipped flow shows
    await page.locator('.red-ui-palette-node').first().waitFor({ timeout: 20_000 })
    await page.locator('#red-ui-workspace-chart svg .red-ui-flow-node').first().waitFor({ timeout: 20_000 })
    await context.close()
  })

  it('still shows the API documentation at /docs', async () => {
    const context = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 } })
    const page = await context.newPage()
    await page.goto(`${base}/docs/`)
    await expect.poll(() => page.locator('.swagger-ui .info .title').textContent()).toContain('gateway')
    await page.locator('.opblock').first().waitFor()
    await context.close()
  })
})
