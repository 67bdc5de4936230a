import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseLatLon, unshiftFrom } from '../../dashboards/src/admin/elder-geo.ts'
import { OpenAlarms } from '../../dashboards/src/admin/elder-open-alarms.ts'
import { distanceM, toBd09, toGcj02 } from '../../dashboards/src/shared/geo.ts'
import type { Alarm, LiveMessage } from '../../dashboards/src/shared/model.ts'
import { TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'
import { writeMbtiles } from './support/mbtiles.ts'

describe('the elder file’s map arithmetic', () => {
  const places = [
    HOME,
    offset(HOME, 3000, -2000),
    { lat: 39.9087, lon: 116.3975 },
    { lat: 22.5431, lon: 114.0579 },
  ]

  it('takes a point on GCJ-02 or BD-09 tiles back to the WGS-84 point drawn there, to the millimetre', () => {
    for (const p of places) {
      expect(distanceM(unshiftFrom('gcj02')(toGcj02(p)), p)).toBeLessThan(0.001)
      expect(distanceM(unshiftFrom('bd09')(toBd09(p)), p)).toBeLessThan(0.001)
      expect(unshiftFrom('wgs84')(p)).toEqual(p)
    }
    // outside China nothing is shifted, either way
    const paris = { lat: 48.8566, lon: 2.3522 }
    expect(unshiftFrom('gcj02')(paris)).toEqual(paris)
  })

  it('reads "lat, lon" as pasted, and nothing else', () => {
    expect(parseLatLon('37.3835, 117.9707')).toEqual({ lat: 37.3835, lon: 117.9707 })
    expect(parseLatLon(' 37.3835，117.9707 ')).toEqual({ lat: 37.3835, lon: 117.9707 })
    expect(parseLatLon('(999 117.97)')).toEqual({ lat: 999, lon: 117.97 })
    expect(parseLatLon('-33.5;151')).toEqual({ lat: -33.5, lon: 151 })
    expect(parseLatLon('37.3835')).toBeUndefined()
    expect(parseLatLon('north, east')).toBeUndefined()
  })
})

describe('the list’s open alarms', () => {
  const alarm = (id: string, elderId: string, state: Alarm['state'], seq: number) =>
    ({ id, elderId, state, seq }) as Alarm
  const snapshot = (alarms: Alarm[]) => ({ type: 'snapshot' as const, seq: 1, at: 0, alarms, carers: [] })
  const event = (a: Alarm): LiveMessage => ({
    type: 'alarm',
    seq: 2,
    at: 0,
    grid: [],
    alarm: a,
    entry: { seq: a.seq, type: 'note', at: 0 },
  })

  it('drops what a replayed snapshot still held once the fetch no longer has it', () => {
    const open = new OpenAlarms()
    open.hear(snapshot([alarm('A1', 'E1', 'open', 1), alarm('A2', 'E2', 'open', 1)]), true)
    const mark = open.mark()
    open.fetched([alarm('A2', 'E2', 'accepted', 3)], mark)
    expect([...open.perElder()]).toEqual([['E2', 1]])
  })

  it('keeps what the stream said while the fetch was under way', () => {
    const open = new OpenAlarms()
    const mark = open.mark()
    open.hear(event(alarm('A1', 'E1', 'open', 1)), false)
    open.hear(event(alarm('A2', 'E2', 'resolved', 5)), false)
    // the answer was read before either event
    open.fetched([alarm('A2', 'E2', 'arrived', 4)], mark)
    expect([...open.perElder()]).toEqual([['E1', 1]])
  })

  it('takes a fresh snapshot as the state now', () => {
    const open = new OpenAlarms()
    open.hear(event(alarm('A1', 'E1', 'open', 1)), false)
    open.hear(snapshot([alarm('A3', 'E3', 'offered', 2)]), false)
    expect([...open.perElder()]).toEqual([['E3', 1]])
  })
})

/** Markup in every free-text field: the console must show it as the characters it is. */
const attack = {
  name: '<img src=x onerror=__pwned=1>周<script>__pwned=2</script>',
  address: '<iframe src=javascript:__pwned=3></iframe>海丰街道',
  notes: '<svg onload=__pwned=4></svg>独居',
  contact: '<img src=x onerror=__pwned=5>',
  relation: '<b onmouseover=__pwned=6>子</b>',
  grid: '<img src=x onerror=__pwned=7>',
}

describe.skipIf(!haveChromium && !mustRun)('the admin console’s elders in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'care-admin-elders-'))
  const tilesFile = join(dir, 'district.mbtiles')
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let page: Page
  let base = ''

  beforeAll(async () => {
    writeMbtiles(tilesFile, HOME, { minZoom: 13, maxZoom: 16, radius: 3 })
    // tiles drawn in GCJ-02, as AMap's are: a click must be shifted back before it is stored
    world = await startWorld({ env: { CARE_TILES_FILE: tilesFile, CARE_TILES_DATUM: 'gcj02' } })
    base = `http://127.0.0.1:${world.app.httpPort}`
    browsing = await launch()
    await user(world, 'admin1', { role: 'admin', name: '管理员' })
    await world.elder('E01', {
      name: '王秀兰',
      phone: '13812345678',
      grid: ['海丰街道', '东关社区', '第三网格'],
      risk: 'high',
    })
    await world.elder('E02', { name: '李建国', grid: ['海丰街道', '西关社区', '第一网格'], risk: 'low' })
    await world.elder('E03', { name: '赵大爷', grid: ['车王镇', '北村', 'G01'], risk: 'safe' })
    for (let i = 1; i <= 52; i++) {
      const id = `B${String(i).padStart(3, '0')}`
      await world.elder(id, { name: `批量${i}`, grid: ['批量街道', '一社区'], risk: 'medium' })
    }
    const d01 = await world.device('D01', 'E01')
    await d01.publish('care/v1/dev/D01/status', { online: true, battery: 90 })
    context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      acceptDownloads: true,
    })
    page = await login(context, world, 'admin1')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The console at `hash`, its live stream connected. */
  async function open(hash: string): Promise<void> {
    // a whole new page each time, never a hash change on the old one
    await page.goto('about:blank')
    await page.goto(`${base}/admin${hash}`)
    await page.waitForSelector('#admin-content[data-section=elders]')
    await page.waitForSelector('#live-status[data-status=live]')
  }

  const rowIds = () =>
    page.$$eval('#elders-body tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id') ?? ''))
  const sorted = async () => (await rowIds()).sort()
  const value = (selector: string) => page.inputValue(selector)

  it('lists the elders 50 at a time, searches, and narrows by risk and grid level', async () => {
    await open('#/elders')
    await expect.poll(() => rowIds().then((r) => r.length)).toBe(50)
    await page.click('#elders-more')
    await expect.poll(() => rowIds().then((r) => r.length)).toBe(55)
    expect(await page.isVisible('#elders-more')).toBe(false)
    // each elder's devices, as the registry and the device's last status have them
    const d01 = page.locator('#elders-body tr[data-id=E01] li[data-device=D01]')
    await expect.poll(() => d01.locator('.dev-state').getAttribute('data-state')).toBe('online')
    expect(await d01.textContent()).toContain('电量 90%')
    expect(await page.textContent('#elders-body tr[data-id=E01] .risk')).toBe('高')

    // a word of the name, then of the phone number
    await page.fill('#elder-q', '李建')
    await page.press('#elder-q', 'Enter')
    await expect.poll(rowIds).toEqual(['E02'])
    await page.fill('#elder-q', '13812345678')
    await page.press('#elder-q', 'Enter')
    await expect.poll(rowIds).toEqual(['E01'])
    await page.fill('#elder-q', '')
    await page.press('#elder-q', 'Enter')

    // risk grades, with the glossary's words
    expect(await page.textContent('label.risk-safe')).toContain('基本安全')
    await page.check('#risk-high')
    await expect.poll(rowIds).toEqual(['E01'])
    await page.check('#risk-low')
    await expect.poll(sorted).toEqual(['E01', 'E02'])
    await page.uncheck('#risk-high')
    await page.uncheck('#risk-low')

    // grid levels, each offering the names below the one chosen, with their elders
    const options = (level: number) =>
      page.$$eval(`#grid-filter-${level} option`, (os) => os.map((o) => o.getAttribute('value') ?? ''))
    await expect.poll(() => options(0)).toEqual(['', '批量街道', '车王镇', '海丰街道'].sort(zhOrder))
    await page.selectOption('#grid-filter-0', '车王镇')
    await expect.poll(rowIds).toEqual(['E03'])
    await page.selectOption('#grid-filter-0', '海丰街道')
    await expect.poll(sorted).toEqual(['E01', 'E02'])
    await expect.poll(() => options(1)).toEqual(['', '东关社区', '西关社区'].sort(zhOrder))
    expect(await page.textContent('#grid-filter-1 option[value="东关社区"]')).toBe('东关社区（1人）')
    await page.selectOption('#grid-filter-1', '东关社区')
    await expect.poll(rowIds).toEqual(['E01'])
    await page.selectOption('#grid-filter-0', '')
    await expect.poll(() => rowIds().then((r) => r.length)).toBe(50)
    expect(await page.locator('#grid-filter-1').count()).toBe(0)
  })

  const target = offset(HOME, 120, -90)

  it('creates an elder with a full file: grid level by level, home from the map, contacts reordered', async () => {
    await open('#/elders')
    await page.click('#elder-new')
    await page.waitForSelector('#elder-id')
    await page.fill('#elder-id', 'E10')
    await page.fill('#elder-name', '孙桂英')
    await page.fill('#elder-phone', '13911112222')
    await page.fill('#elder-address', '海丰街道东关社区12号楼2单元301')
    await page.selectOption('#elder-risk', 'high')

    // the grid path, level by level from the names in use, the last one new
    const offered = (level: number) =>
      page.$$eval(`#grid-options-${level} option`, (os) =>
        os.map((o) => o.getAttribute('value') ?? '').sort(),
      )
    expect(await page.isVisible('#grid-1')).toBe(false)
    await expect.poll(() => offered(0)).toEqual(['批量街道', '海丰街道', '车王镇'].sort())
    await page.fill('#grid-0', '海丰街道')
    await expect.poll(() => offered(1)).toEqual(['东关社区', '西关社区'].sort())
    await page.fill('#grid-1', '东关社区')
    await expect.poll(() => offered(2)).toEqual(['第三网格'])
    await page.fill('#grid-2', '第三网格')
    await page.fill('#grid-3', '12号楼')

    // "lat, lon" pasted fills both boxes and brings the home into view; a click on the map then moves it
    await page.fill('#elder-home-lat', `${HOME.lat}, ${HOME.lon}`)
    expect(await value('#elder-home-lat')).toBe(String(HOME.lat))
    expect(await value('#elder-home-lon')).toBe(String(HOME.lon))
    await page.waitForSelector('#home-map[data-datum=gcj02] .leaflet-tile-loaded')
    const at = await page.evaluate<{ x: number; y: number }>(
      `window.careElderMap.pagePoint(${JSON.stringify(target)})`,
    )
    const box = await page.locator('#home-map').boundingBox()
    expect(box && at.x > box.x && at.x < box.x + box.width && at.y > box.y && at.y < box.y + box.height).toBe(
      true,
    )
    await page.mouse.click(at.x, at.y)
    await expect.poll(() => value('#elder-home-lat')).not.toBe(String(HOME.lat))
    await page.fill('#elder-fence-radiusM', '300')

    // two contacts typed, then the second moved up with the keyboard
    await page.click('#contact-add')
    expect(await page.evaluate('document.activeElement.name')).toBe('contacts.0.name')
    await page.keyboard.type('孙小明')
    await page.fill('input[name="contacts.0.relation"]', '儿子')
    await page.fill('input[name="contacts.0.phone"]', '13700002222')
    await page.click('#contact-add')
    await page.fill('input[name="contacts.1.name"]', '孙小红')
    await page.fill('input[name="contacts.1.relation"]', '女儿')
    await page.fill('input[name="contacts.1.phone"]', '13600001111')
    await page.focus('#contacts-list li:nth-child(2) button[data-action=up]')
    await page.keyboard.press('Enter')
    expect(await value('input[name="contacts.0.name"]')).toBe('孙小红')
    expect(await value('input[name="contacts.1.name"]')).toBe('孙小明')
    // the focus moved with the row; at the top it sits on the row's other move button
    expect(
      await page.evaluate(
        `[document.activeElement.dataset.action, document.activeElement.closest('li').querySelector('input').value]`,
      ),
    ).toEqual(['down', '孙小红'])
    await page.fill('#elder-notes', '独居，行动不便')

    await page.click('#elder-save')
    await page.waitForURL((url) => url.hash === '#/elders/E10')
    await expect.poll(() => page.textContent('#elder-notice')).toContain('已创建老人档案 E10')
    await page.waitForSelector('#home-map .leaflet-tile-loaded')
    await page.waitForSelector('#no-devices')
    await screenshot(page, 'admin-elder-file-zh', true)

    const stored = await world.api<Record<string, unknown>>('GET', '/api/v1/elders/E10')
    expect(stored.status).toBe(200)
    const { home, createdAt, updatedAt, ...rest } = stored.body
    expect(rest).toEqual({
      id: 'E10',
      name: '孙桂英',
      phone: '13911112222',
      address: '海丰街道东关社区12号楼2单元301',
      grid: ['海丰街道', '东关社区', '第三网格', '12号楼'],
      risk: 'high',
      fence: { radiusM: 300 },
      contacts: [
        { name: '孙小红', relation: '女儿', phone: '13600001111' },
        { name: '孙小明', relation: '儿子', phone: '13700002222' },
      ],
      notes: '独居，行动不便',
    })
    expect(typeof createdAt).toBe('number')
    expect(typeof updatedAt).toBe('number')
    // the WGS-84 point drawn under the clicked pixel, to a few metres (a pixel is about 1 m at zoom 17)...
    const stored84 = home as { lat: number; lon: number }
    expect(distanceM(stored84, target)).toBeLessThan(3)
    // ...which is not the tiles' own coordinate of that pixel: the GCJ-02 shift here is hundreds of metres
    expect(distanceM(toGcj02(target), target)).toBeGreaterThan(100)
    expect(distanceM(stored84, toGcj02(target))).toBeGreaterThan(100)
  })

  it('shows a refusal next to its field with the API’s own message, and keeps what was typed', async () => {
    await open('#/elders/E10')
    await page.waitForSelector('#elder-name')
    const stored = (await world.api<Record<string, unknown>>('GET', '/api/v1/elders/E10')).body
    const { id: _id, createdAt: _c, updatedAt: _u, ...body } = stored
    const refusal = async (over: Record<string, unknown>) => {
      const res = await world.api<{ error: { code: string; message: string } }>('PUT', '/api/v1/elders/E10', {
        ...body,
        ...over,
      })
      expect(res.body.error.code).toBe('BAD_REQUEST')
      return res.body.error.message
    }

    await page.fill('#elder-name', '孙桂英（改）')
    await page.fill('#elder-phone', '电话abc')
    await page.click('#elder-save')
    const phoneMessage = await refusal({ phone: '电话abc' })
    expect(phoneMessage.startsWith('phone: ')).toBe(true)
    await expect
      .poll(() => page.textContent('[data-error-for="phone"]'))
      .toBe(phoneMessage.slice('phone: '.length))
    expect(await page.getAttribute('#elder-phone', 'aria-invalid')).toBe('true')
    expect(await value('#elder-name')).toBe('孙桂英（改）')
    expect(await value('#elder-phone')).toBe('电话abc')
    expect(await value('input[name="contacts.0.name"]')).toBe('孙小红')

    await page.fill('#elder-phone', '13911112222')
    await page.fill('#elder-home-lat', '999, 117.97')
    expect(await value('#elder-home-lon')).toBe('117.97')
    await page.click('#elder-save')
    const latMessage = await refusal({ home: { lat: 999, lon: 117.97 } })
    expect(latMessage.startsWith('home.lat: ')).toBe(true)
    await expect
      .poll(() => page.textContent('[data-error-for="home.lat"]'))
      .toBe(latMessage.slice('home.lat: '.length))
    expect(await page.textContent('[data-error-for="phone"]')).toBe('')
    expect(await value('#elder-home-lat')).toBe('999')
    expect(await value('#elder-name')).toBe('孙桂英（改）')
    // nothing was saved
    expect((await world.api<{ name: string }>('GET', '/api/v1/elders/E10')).body.name).toBe('孙桂英')

    // a new file on an id someone holds is refused beside the id, and that elder stays as it was
    await open('#/elders/new')
    await page.fill('#elder-id', 'E01')
    await page.fill('#elder-name', '重名')
    await page.fill('#elder-home-lat', `${HOME.lat}, ${HOME.lon}`)
    await page.click('#elder-save')
    await expect.poll(() => page.textContent('[data-error-for="id"]')).toBe('该编号已被使用')
    expect((await world.api<{ name: string }>('GET', '/api/v1/elders/E01')).body.name).toBe('王秀兰')
  })

  let d10: TestClient
  let alarmId = ''

  it('shows a device bound through the API, and it turns online live when it connects over MQTT', async () => {
    const put = await world.api('PUT', '/api/v1/devices/D10', {
      kind: 'phone',
      elderId: 'E10',
      secret: 'secret-D10-0123',
    })
    expect(put.status).toBe(201)
    await open('#/elders/E10')
    const row = page.locator('#elder-devices tr[data-device=D10]')
    await expect.poll(() => row.locator('.dev-state').getAttribute('data-state')).toBe('unknown')
    expect(await row.locator('a').getAttribute('href')).toBe('#/devices/D10')
    expect(await page.getAttribute('#bind-device', 'href')).toBe('#/devices/new?elder=E10')
    await page.evaluate('window.__samePage = true')

    d10 = await TestClient.connect(world.mqttUrl, 'D10', 'secret-D10-0123')
    world.clients.push(d10)
    await d10.subscribe('care/v1/dev/D10/notify')
    await d10.publish('care/v1/dev/D10/status', { online: true, battery: 76 })
    await expect.poll(() => row.locator('.dev-state').getAttribute('data-state')).toBe('online')
    expect(await row.locator('.dev-state').textContent()).toContain('在线')
    expect(await row.locator('.battery').textContent()).toBe('76%')

    // an SOS joins the recent alarms, live too
    await d10.publish('care/v1/dev/D10/sos', { id: 'sos-d10', ts: world.clock.now() })
    const received = await d10.next((r) => r.message.state === 'received')
    alarmId = String(received.message.alarmId)
    const alarmRow = page.locator(`#elder-alarms tr[data-alarm="${alarmId}"]`)
    await expect.poll(() => alarmRow.getAttribute('data-state')).toBe('open')
    expect(await alarmRow.textContent()).toContain('一键求助')
    expect(await page.evaluate('window.__samePage')).toBe(true)

    // while the alarm is open the erasure is refused, and the dialog says why
    await page.click('#elder-erase')
    await page.click('#erase-confirm')
    await expect.poll(() => page.textContent('#erase-error')).toContain('老人有未结束的警情时不能删除')
    expect(await page.textContent('#erase-error')).toContain(alarmId)
    await page.click('#erase-cancel')
    expect((await world.api('GET', '/api/v1/elders/E10')).status).toBe(200)

    // the list counts it as open, and no longer once it is cancelled
    await page.click('#elder-back')
    await page.selectOption('#grid-filter-0', '海丰街道')
    await expect.poll(sorted).toEqual(['E01', 'E02', 'E10'])
    const openCell = page.locator('#elders-body tr[data-id=E10] .open-cell')
    await expect.poll(() => openCell.getAttribute('data-open')).toBe('1')
    await expect
      .poll(() => page.getAttribute('#elders-body tr[data-id=E10] .dev-state', 'data-state'))
      .toBe('online')
    await screenshot(page, 'admin-elders-zh', true)
    const cancel = await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, { action: 'cancel' })
    expect(cancel.status).toBe(200)
    await expect.poll(() => openCell.getAttribute('data-open')).toBe('0')
  })

  it('exports the file, then erases it after a dialog saying what goes and what stays', async () => {
    await open('#/elders/E10')
    await page.waitForSelector('#elder-devices tr[data-device=D10]')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#elder-export')])
    expect(download.suggestedFilename()).toBe('elder-E10.json')
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      elder: { id: string }
      devices: { id: string }[]
      alarms: { id: string }[]
    }
    expect(exported.elder.id).toBe('E10')
    expect(exported.devices.map((d) => d.id)).toEqual(['D10'])
    expect(exported.alarms.map((a) => a.id)).toEqual([alarmId])

    // the dialog: what is deleted, what is kept; the focus starts on "cancel", which keeps everything
    await page.click('#elder-erase')
    const dialog = page.locator('#erase-dialog')
    await expect.poll(() => dialog.isVisible()).toBe(true)
    expect(await page.evaluate('document.activeElement.id')).toBe('erase-cancel')
    expect(await dialog.locator('#erase-title').textContent()).toBe('删除老人 孙桂英（E10）')
    const deleted = await dialog.locator('#erase-deleted').textContent()
    for (const part of [
      '老人档案',
      '紧急联系人',
      'D10',
      '位置记录',
      '体征数据',
      '电子围栏状态',
      '历史数据库',
    ]) {
      expect(deleted).toContain(part)
    }
    const kept = await dialog.locator('#erase-kept').textContent()
    for (const part of ['已结束的警情记录', '化名', '去掉设备编号', '处理备注', '审计日志'])
      expect(kept).toContain(part)
    expect(await dialog.textContent()).toContain('未结束的警情时不能删除')
    await page.keyboard.press('Enter')
    await expect.poll(() => dialog.isVisible()).toBe(false)
    expect((await world.api('GET', '/api/v1/elders/E10')).status).toBe(200)

    await page.click('#elder-erase')
    await page.click('#erase-confirm')
    await page.waitForURL((url) => url.hash === '#/elders')
    await expect.poll(() => page.textContent('#elders-notice')).toContain('已删除 E10')
    expect(await page.textContent('#elders-notice')).toContain('保留匿名警情 1 起')
    expect((await world.api('GET', '/api/v1/elders/E10')).status).toBe(404)
    expect((await world.api('GET', '/api/v1/devices/D10')).status).toBe(404)
    const kept1 = await world.api<{ elderId: string; deviceId?: string }>('GET', `/api/v1/alarms/${alarmId}`)
    expect(kept1.body.elderId).not.toBe('E10')
    expect(kept1.body.deviceId).toBeUndefined()
    const audit = await world.api<{ items: { actor?: string; action: string; target?: string }[] }>(
      'GET',
      '/api/v1/audit?action=elder.erase&target=E10',
    )
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0]).toMatchObject({ actor: 'admin1', action: 'elder.erase', target: 'E10' })
  })

  it('shows markup in a name, address, notes, grid and contacts as text, and runs none of it', async () => {
    await world.elder('E20', {
      name: attack.name,
      address: attack.address,
      notes: attack.notes,
      grid: ['海丰街道', attack.grid],
      contacts: [{ name: attack.contact, relation: attack.relation, phone: '13900000000' }],
      risk: 'medium',
    })
    await open('#/elders')
    await page.fill('#elder-q', 'E20')
    await page.press('#elder-q', 'Enter')
    await expect.poll(rowIds).toEqual(['E20'])
    const row = page.locator('#elders-body tr[data-id=E20]')
    expect(await row.locator('.elder-link').textContent()).toBe(attack.name)
    expect(await row.textContent()).toContain(attack.address)
    expect(await row.textContent()).toContain(attack.grid)
    await page.selectOption('#grid-filter-0', '海丰街道')
    await expect.poll(() => page.locator(`#grid-filter-1 option[value="${attack.grid}"]`).count()).toBe(1)

    await row.locator('.elder-link').click()
    await page.waitForSelector('#elder-name')
    expect(await value('#elder-name')).toBe(attack.name)
    expect(await value('#elder-address')).toBe(attack.address)
    expect(await value('#elder-notes')).toBe(attack.notes)
    expect(await value('#grid-1')).toBe(attack.grid)
    expect(await value('input[name="contacts.0.name"]')).toBe(attack.contact)
    expect(await value('input[name="contacts.0.relation"]')).toBe(attack.relation)
    expect(await page.textContent('#elder-title')).toContain(attack.name)
    await page.click('#elder-erase')
    expect(await page.textContent('#erase-title')).toBe(`删除老人 ${attack.name}（E20）`)
    await page.click('#erase-cancel')

    // not one element the text names was made, and nothing ran
    const made = await page.evaluate(
      `document.querySelectorAll('#admin-content script, #admin-content iframe, #admin-content svg[onload], #admin-content b, [onerror], [onload], [onmouseover]').length`,
    )
    expect(made).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
  })
  it('speaks English when asked, the list and the file alike', async () => {
    await page.evaluate(`localStorage.setItem('care.lang', 'en')`)
    try {
      await open('#/elders')
      expect(await page.textContent('#tab-elders')).toBe('Elders')
      expect(await page.textContent('label.risk-safe')).toContain('Safe')
      await expect.poll(() => page.textContent('#elders-body tr[data-id=E01] .risk')).toBe('High')
      await open('#/elders/E01')
      await page.waitForSelector('#elder-name')
      expect(await page.textContent('#home legend')).toBe('Home position')
      expect(await page.textContent('#contacts legend')).toBe('Emergency contacts')
      expect(
        await page.getAttribute('#contacts-list li:first-child button[data-action=remove]', 'aria-label'),
      ).toBe('Contact 1 Remove')
    } finally {
      await page.evaluate(`localStorage.setItem('care.lang', 'zh-CN')`)
    }
  })
})

/** The gateway sorts grid names as zh-CN does. */
function zhOrder(a: string, b: string): number {
  if (a === '') return -1
  if (b === '') return 1
  return a.localeCompare(b, 'zh-CN')
}
