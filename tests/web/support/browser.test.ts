import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browsing, collected, haveChromium, launch, mustRun, tolerate } from './browser.ts'

/**
 * The watch of browser.ts: an error anywhere in a page opened through `launch()` — in a context a test
 * makes itself, a page of `browser.newPage()`, a popup, a worker, a service worker — is collected and
 * would fail the test (each case here reads it, then tolerates it so this file passes).
 */
const WORKER = "console.error('worker said no'); setTimeout(() => { throw new Error('worker threw') })"
const SERVICE_WORKER = `
  self.addEventListener('message', (e) => {
    if (e.data === 'say') console.error('service worker said no')
    if (e.data === 'throw') setTimeout(() => { throw new Error('service worker threw') })
    if (e.data === 'reject') Promise.reject(new Error('service worker rejected'))
  })`

describe.skipIf(!haveChromium && !mustRun)('the page-error watch', () => {
  let browsing: Browsing
  let server: Server
  let base = ''

  beforeAll(async () => {
    server = createServer((req, res) => {
      const script = req.url === '/worker.js' ? WORKER : req.url === '/sw.js' ? SERVICE_WORKER : undefined
      if (script) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      if (req.url === '/missing.png') return res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>watched</title>')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    browsing = await launch()
  })

  afterAll(async () => {
    await browsing?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  /** Waits until the watch has collected an error matching `pattern`, then lets this test pass. */
  async function seen(pattern: RegExp): Promise<void> {
    await expect.poll(() => collected().some((e) => pattern.test(e))).toBe(true)
    tolerate(pattern)
  }

  it('catches an uncaught error in a page of a context made in the test', async () => {
    const context = await browsing.browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    await page.evaluate("setTimeout(() => { throw new Error('page threw') })")
    await seen(/uncaught: page threw/)
    await context.close()
  })

  it('catches an unhandled rejection and a missing file in a page of browser.newPage()', async () => {
    const page = await browsing.browser.newPage()
    await page.goto(base)
    await page.evaluate("setTimeout(() => { Promise.reject(new Error('page rejected')) })")
    await seen(/uncaught: page rejected/)
    await page.evaluate("{ const i = new Image(); i.src = '/missing.png'; document.body.append(i) }")
    await seen(/console: Failed to load resource: .* 404 .*missing\.png/)
    await page.close()
  })

  it('catches an error in a popup and a dialog', async () => {
    const context = await browsing.browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    const popup = context.waitForEvent('page')
    await page.evaluate(`window.open(${JSON.stringify(base)})`)
    const opened = await popup
    await opened.waitForLoadState()
    await opened.evaluate("setTimeout(() => { throw new Error('popup threw') })")
    await seen(/uncaught: popup threw/)
    await page.evaluate("setTimeout(() => alert('hello'))")
    await seen(/dialog: hello/)
    await context.close()
  })

  it('catches what a worker says and throws', async () => {
    const context = await browsing.browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    await page.evaluate("new Worker('/worker.js')")
    await seen(/console: worker said no/)
    await seen(/uncaught: worker threw/)
    await context.close()
  })

  it('catches what a service worker says, throws and rejects', async () => {
    const context = await browsing.browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    const started = context.waitForEvent('serviceworker')
    await page.evaluate("navigator.serviceWorker.register('/sw.js')")
    await started
    // the worker is active: the page's messages reach it
    const tell = (what: string) =>
      page.evaluate(
        `navigator.serviceWorker.ready.then((r) => r.active.postMessage(${JSON.stringify(what)}))`,
      )
    await tell('say')
    await seen(/\[service worker \/sw\.js\] console: service worker said no/)
    await tell('throw')
    await seen(/\[service worker \/sw\.js\] console: uncaught: .*service worker threw/)
    await tell('reject')
    await seen(/\[service worker \/sw\.js\] console: unhandled rejection: service worker rejected/)
    await context.close()
  })
})
