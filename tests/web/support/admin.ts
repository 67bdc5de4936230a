import type { Page } from 'playwright-core'

/**
 * Opens the admin console at `hash` (`#/carers/C01`) and waits until that section is drawn: a
 * fresh load when the page is elsewhere or already there, else a hash change, resolved once the
 * console's own `hashchange` listener (the first one) has drawn it.
 */
export async function openConsole(page: Page, base: string, hash: string): Promise<void> {
  const section = `#admin-content[data-section="${hash.split('/')[1]?.split('?')[0]}"]`
  const here = new URL(page.url())
  if (here.pathname !== '/admin' || here.hash === hash) {
    await page.goto(`${base}/admin${hash}`)
    if (here.hash === hash) await page.reload()
    await page.waitForSelector(section)
    return
  }
  await page.evaluate(`new Promise((resolve) => {
    addEventListener('hashchange', () => resolve(), { once: true })
    location.hash = ${JSON.stringify(hash)}
  })`)
  await page.waitForSelector(section)
}
