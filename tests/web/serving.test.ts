import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEB_DIR, pages, webRoutes } from '../../gateway/api/web.ts'

const empty = mkdtempSync(join(tmpdir(), 'care-web-none-'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))

describe('serving the pages (gateway/api/web.ts)', () => {
  it('answers every page URL with a short hint when nothing is built, and still starts', async () => {
    const app = Fastify()
    await webRoutes(app, empty)
    for (const url of Object.keys(pages)) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toContain('text/html')
      expect(res.body).toContain('npm run build:web')
    }
    await app.close()
  })

  it('serves the built pages, their assets and the PWA files, and nothing else', async () => {
    // the globalSetup has built dashboards/dist
    const app = Fastify()
    await webRoutes(app, DEFAULT_WEB_DIR)
    const board = await app.inject({ method: 'GET', url: '/' })
    expect(board.statusCode).toBe(200)
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(board.body)?.[1]
    expect(script).toBeDefined()
    const asset = await app.inject({ method: 'GET', url: script ?? '' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toContain('javascript')
    for (const url of ['/carer', '/supervision', '/login']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.body, url).toContain('<div id="app">')
    }
    expect((await app.inject({ method: 'GET', url: '/carer-sw.js' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/carer.webmanifest' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/../package.json' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/assets/nothing.js' })).statusCode).toBe(404)
    await app.close()
  })
})
