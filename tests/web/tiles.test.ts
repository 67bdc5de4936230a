import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tileImgSources } from '../../gateway/api/tiles.ts'
import { ConfigError, loadConfig } from '../../gateway/config.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'
import { type Rgb, solidPng, tileOf, writeMbtiles } from './support/mbtiles.ts'

const dir = mkdtempSync(join(tmpdir(), 'care-tiles-'))
const FILE = join(dir, 'district.mbtiles')
const colours = writeMbtiles(FILE, HOME, { minZoom: 13, maxZoom: 16, radius: 3 })
const CREDIT = '© 区县底图 <img src=x onerror=window.__pwned=2>'
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the base map in the configuration', () => {
  const config = (env: Record<string, string>) =>
    loadConfig({ env: { CARE_DATA_DIR: dir, ...env }, file: join(dir, 'none.json') })

  it('names the coordinate system of the tiles, and takes a URL or a file, not both', () => {
    expect(config({}).tilesDatum).toBe('wgs84')
    expect(config({ CARE_TILES_DATUM: 'bd09' }).tilesDatum).toBe('bd09')
    expect(() => config({ CARE_TILES_DATUM: 'gcj' })).toThrow(/CARE_TILES_DATUM/)
    expect(() => config({ CARE_TILES_URL: 'https://t{s}.example.cn/{z}/{x}.png' })).toThrow(/\{y\}/)
    expect(() => config({ CARE_TILES_URL: 'javascript:alert(1)//{z}{x}{y}' })).toThrow(/CARE_TILES_URL/)
    // a host that would smuggle another source into the policy is refused
    expect(() => config({ CARE_TILES_URL: "https://a.cn;script-src 'unsafe-inline'/{z}/{x}/{y}" })).toThrow(
      /CARE_TILES_URL/,
    )
    expect(() =>
      config({ CARE_TILES_URL: 'https://tiles.example.cn/{z}/{x}/{y}.png', CARE_TILES_FILE: FILE }),
    ).toThrow(ConfigError)
  })

  it('lets the pages load images from the tile server, with {s} as a wildcard label', () => {
    expect(tileImgSources({ tilesUrl: 'https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}' })).toEqual(
      ['https://*.tianditu.gov.cn'],
    )
    expect(tileImgSources({ tilesUrl: 'http://10.0.0.5:8081/tiles/{z}/{x}/{y}.png' })).toEqual([
      'http://10.0.0.5:8081',
    ])
    expect(tileImgSources({})).toEqual([])
  })
})

describe('an MBTiles extract served by the gateway', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({
      env: { CARE_TILES_FILE: FILE, CARE_TILES_ATTRIBUTION: CREDIT, CARE_TILES_DATUM: 'wgs84' },
    })
  })
  afterAll(async () => {
    await world?.stop()
  })

  const get = (url: string, headers: Record<string, string> = {}) =>
    world.app.surface.inject({ method: 'GET', url, headers })

  it('answers /tiles/{z}/{x}/{y} from the file, rows flipped from TMS, as PNG, cached', async () => {
    const at = tileOf(HOME, 15)
    const res = await get(`/tiles/15/${at.x}/${at.y}`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    expect(res.headers['cache-control']).toContain('max-age=')
    expect(res.rawPayload.equals(solidPng(colours.get(`15/${at.x}/${at.y}`) as Rgb))).toBe(true)
    // the row below in XYZ is another tile, and so another colour: the flip is exact
    const below = await get(`/tiles/15/${at.x}/${at.y + 1}`)
    expect(below.rawPayload.equals(solidPng(colours.get(`15/${at.x}/${at.y + 1}`) as Rgb))).toBe(true)
    expect(below.rawPayload.equals(res.rawPayload)).toBe(false)
    const again = await get(`/tiles/15/${at.x}/${at.y}`, { 'if-none-match': String(res.headers.etag) })
    expect(again.statusCode).toBe(304)
    // outside the extract: nothing to draw; nonsense: a coded 400
    expect((await get('/tiles/15/0/0')).statusCode).toBe(204)
    const bad = await get('/tiles/3/9/1')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } })
    expect((await get('/tiles/a/b/c')).statusCode).toBe(400)
  })

  it('tells the board its base map after login, and no one else', async () => {
    const res = await world.api<{ tiles: Record<string, unknown> }>('GET', '/map/settings')
    expect(res.status).toBe(200)
    expect(res.body.tiles).toMatchObject({
      url: '/tiles/{z}/{x}/{y}',
      datum: 'wgs84',
      attribution: CREDIT,
      minZoom: 13,
      maxNativeZoom: 16,
    })
    expect((await get('/map/settings')).statusCode).toBe(401)
  })
})

describe.skipIf(!haveChromium && !mustRun)('the board in Chromium', () => {
  let world: World
  let browsing: Browsing
  let desk: BrowserContext

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_TILES_FILE: FILE, CARE_TILES_ATTRIBUTION: CREDIT } })
    browsing = await launch()
    await world.elder('E01', { name: '王秀兰' })
    await world.device('D01', 'E01')
    await world.carer('C01', offset(HOME, 300, 0), { name: '王芳' })
    await user(world, 'disp1', { role: 'dispatcher' })
    desk = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
  })
  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('draws the offline base map from the file, each tile where it belongs', async () => {
    const board = await login(desk, world, 'disp1')
    const tileRequests: string[] = []
    board.on('request', (r) => {
      const path = new URL(r.url()).pathname
      if (path.startsWith('/tiles/')) tileRequests.push(path)
    })
    await board.waitForSelector('#live-status[data-status=live]')
    const device = world.clients.find((c) => c.client.options.username === 'D01')
    await device?.publish('care/v1/dev/D01/sos', { id: 'sos-1', ts: world.clock.now() })
    await board.locator('tr.alarm-row').first().waitFor()
    // the first framing of alarm and carer is at street level, where the extract has tiles
    await board.locator('.leaflet-tile-loaded').first().waitFor()
    // the tile under the alarm's pin: which one it is, that it loaded, and what colour it shows
    const under = async () =>
      board.evaluate<{ src: string; width: number; rgb: number[] } | null>(`(() => {
        const at = window.careBoard.map.pagePoint(${JSON.stringify(HOME)})
        const img = [...document.querySelectorAll('img.leaflet-tile-loaded')].find((i) => {
          const b = i.getBoundingClientRect()
          return at.x >= b.left && at.x < b.right && at.y >= b.top && at.y < b.bottom && i.style.opacity !== '0'
        })
        if (!img) return null
        const c = document.createElement('canvas')
        c.width = c.height = 1
        c.getContext('2d').drawImage(img, 128, 128, 1, 1, 0, 0, 1, 1)
        return { src: new URL(img.src).pathname, width: img.naturalWidth, rgb: [...c.getContext('2d').getImageData(0, 0, 1, 1).data].slice(0, 3) }
      })()`)
    await expect.poll(async () => (await under())?.width).toBe(256)
    const tile = await under()
    const [, , z, x, y] = (tile?.src ?? '').split('/').map(Number)
    const expected = tileOf(HOME, Number(z))
    expect({ x, y }).toEqual(expected)
    expect(tile?.rgb).toEqual([...(colours.get(`${z}/${x}/${y}`) ?? [])])
    // every tile asked for came from the file
    expect(tileRequests.length).toBeGreaterThan(0)
    for (const path of tileRequests) expect(colours.has(path.slice('/tiles/'.length)), path).toBe(true)
    // the configured credit, as the characters it is
    const credit = board.locator('.leaflet-control-attribution')
    await expect.poll(() => credit.textContent()).toContain(CREDIT)
    expect(await credit.locator('img').count()).toBe(0)
    expect(await board.evaluate('window.__pwned')).toBeUndefined()
    await screenshot(board, 'board-offline-tiles')
    await board.close()
  })

  it('takes no tile server or credit from a link, and forgets one an older board stored', async () => {
    const page = await desk.newPage()
    const base = `http://127.0.0.1:${world.app.httpPort}`
    const elsewhere: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) elsewhere.push(r.url())
    })
    // what an earlier board kept from such a link
    await page.goto(`${base}/login`)
    await page.evaluate(
      `localStorage.setItem('care.tiles', ${JSON.stringify(
        JSON.stringify({
          url: 'https://evil.invalid/{z}/{x}/{y}.png',
          gcj02: true,
          attribution: '<img src=x onerror=window.__pwned=1>',
        }),
      )})`,
    )
    const attack = new URLSearchParams({
      tiles: 'https://evil.invalid/{z}/{x}/{y}.png',
      gcj02: '1',
      attribution: '<img src=x onerror=window.__pwned=3>stolen',
    })
    await page.goto(`${base}/?${attack}`)
    await page.waitForSelector('#live-status[data-status=live]')
    await expect.poll(() => page.locator('.leaflet-control-attribution').textContent()).toContain(CREDIT)
    expect(await page.locator('.leaflet-control-attribution').textContent()).not.toContain('stolen')
    expect(await page.evaluate(`localStorage.getItem('care.tiles')`)).toBeNull()
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
    expect(elsewhere).toEqual([])
    await page.close()
  })
})

describe.skipIf(!haveChromium && !mustRun)('the board with a tile server the administrator named', () => {
  let world: World
  let browsing: Browsing
  let server: Server
  const asked: { path: string; referer: string | undefined }[] = []

  beforeAll(async () => {
    // a tile server of its own on loopback: another origin than the gateway's
    server = createServer((req, res) => {
      asked.push({ path: req.url ?? '', referer: req.headers.referer })
      res.writeHead(200, { 'content-type': 'image/png' }).end(solidPng([30, 120, 200]))
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    world = await startWorld({
      env: {
        CARE_TILES_URL: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`,
        CARE_TILES_DATUM: 'gcj02',
        CARE_TILES_ATTRIBUTION: '© 测试图源',
      },
    })
    browsing = await launch()
    await world.carer('C01', HOME, { name: '王芳' })
    await user(world, 'disp1', { role: 'dispatcher' })
  })
  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
    await new Promise((done) => server?.close(done))
  })

  it('loads its tiles (the policy lets them in), sends it no more than the origin, draws in GCJ-02', async () => {
    const desk = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 } })
    const board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
    await board.locator('img.leaflet-tile-loaded').first().waitFor()
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((a) => /^\/\d+\/\d+\/\d+\.png$/.test(a.path))).toBe(true)
    // the gateway's origin at most: never the page's path or query
    for (const a of asked) expect([undefined, `http://127.0.0.1:${world.app.httpPort}/`]).toContain(a.referer)
    expect(await board.locator('.leaflet-control-attribution').textContent()).toContain('© 测试图源')
    // points are drawn in the tiles' system: the carer's WGS-84 fix moved into GCJ-02 (shared/geo.ts)
    expect(await board.getAttribute('#map', 'data-datum')).toBe('gcj02')
    const at = await board.evaluate<{ x: number; y: number }>(
      `window.careBoard.map.pagePoint(${JSON.stringify(HOME)})`,
    )
    const plain = await board.evaluate<{ x: number; y: number }>(
      `window.careBoard.map.pagePoint(${JSON.stringify(HOME)}, 'wgs84')`,
    )
    // some 600 m apart at this zoom: tens of pixels
    expect(Math.hypot(at.x - plain.x, at.y - plain.y)).toBeGreaterThan(20)
    await board.mouse.move(at.x, at.y)
    await expect.poll(() => board.locator('.leaflet-tooltip').count()).toBe(1)
    expect(await board.locator('.leaflet-tooltip').textContent()).toContain('王芳')
    await desk.close()
  })
})
