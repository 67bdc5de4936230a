import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Carer, Station } from '../../gateway/registry/schemas.ts'
import { HOME, startWorld, type World } from '../support/world.ts'
import { openConsole } from './support/admin.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'

/**
 * The admin console's stations (服务站) in Chromium against a real gateway: a station made, refused,
 * changed and linked to a carer as a person at the console would, each checked through the API.
 */

/** Markup that runs script if a page ever writes it as HTML. */
const markup = '<img src=x onerror=__pwned=1>海丰<b>站</b><svg onload=__pwned=2>'

describe.skipIf(!haveChromium && !mustRun)('the admin console’s stations in Chromium', () => {
  let world: World
  let browsing: Browsing
  let desk: BrowserContext
  let page: Page
  let base = ''

  beforeAll(async () => {
    world = await startWorld()
    base = `http://127.0.0.1:${world.app.httpPort}`
    browsing = await launch()
    await user(world, 'admin1', { role: 'admin', name: '管理员' })
    const carer = await world.api('PUT', '/api/v1/carers/C200', {
      name: '王芳',
      mode: 'ebike',
      station: '东关服务站',
      secret: 'secret-C200',
    })
    expect(carer.status).toBe(201)
    desk = await browsing.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    page = await login(desk, world, 'admin1')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  /** Opens the console at `hash` and waits for the section to be drawn. */
  const open = (hash: string) => openConsole(page, base, hash)

  const errorFor = (name: string) => page.locator(`[data-error-for="${name}"]`)
  const stationRow = (id: string) => page.locator(`tr.station-row[data-id="${id}"]`)
  const station = (id: string) => world.api<Station>('GET', `/api/v1/stations/${id}`)
  /** What the API itself says of `body` for a station, without the path it puts first. */
  async function refusal(body: unknown): Promise<{ path: string; text: string }> {
    const res = await world.api<{ error: { code: string; message: string } }>(
      'PUT',
      '/api/v1/stations/ST-PROBE',
      body,
    )
    expect(res.body.error.code).toBe('BAD_REQUEST')
    const [, path = '', text = ''] = /^([\w.]+): (.+)$/s.exec(res.body.error.message) ?? []
    return { path, text }
  }

  it('adds a station from the keyboard, which the API then answers', async () => {
    await open('#/stations')
    await page.click('#station-new')
    await page.waitForSelector('#station-form')
    await expect.poll(() => page.evaluate('document.activeElement?.name')).toBe('id')
    await page.keyboard.type('ST01')
    for (const [text, name] of [
      ['海丰服务站', 'name'],
      ['无棣县海丰街道8号', 'address'],
      ['0543-6321234', 'phone'],
      ['Haifeng St / Dongguan', 'grid'],
      [`${HOME.lat}, ${HOME.lon}`, 'location'],
    ] as const) {
      await page.keyboard.press('Tab')
      expect(await page.evaluate('document.activeElement?.name')).toBe(name)
      await page.keyboard.type(text)
    }
    await page.keyboard.press('Enter')
    await page.waitForURL((url) => url.hash === '#/stations/ST01?created')
    await expect.poll(() => page.textContent('#station-saved')).toBe('已创建服务站。')
    expect(await page.textContent('#station-name')).toBe('海丰服务站')
    const stored = await station('ST01')
    expect(stored.status).toBe(200)
    expect(stored.body).toMatchObject({
      id: 'ST01',
      name: '海丰服务站',
      address: '无棣县海丰街道8号',
      phone: '0543-6321234',
      grid: ['Haifeng St', 'Dongguan'],
      location: HOME,
    })
    await open('#/stations')
    const row = stationRow('ST01')
    await expect.poll(() => row.locator('.name').textContent()).toBe('海丰服务站')
    expect(await row.locator('.grid').textContent()).toBe('Haifeng St / Dongguan')
    await expect.poll(() => row.locator('.carers').textContent()).toBe('0')
    await screenshot(page, 'admin-stations-zh')
  })

  it('shows a wrong field’s refusal next to it, keeping everything typed', async () => {
    await open('#/stations/new')
    await page.fill('input[name=id]', 'ST02')
    await page.fill('input[name=address]', '东关街1号')
    await page.fill('input[name=grid]', 'Haifeng St/Xiguan')
    await page.fill('input[name=location]', '999, 117.97')
    await page.click('#station-form button[type=submit]')
    // an empty name: the API's word for it, under the name
    const noName = await refusal({ name: '' })
    expect(noName.path).toBe('name')
    await expect.poll(() => errorFor('name').textContent()).toBe(noName.text)
    expect(await page.getAttribute('input[name=name]', 'aria-invalid')).toBe('true')
    expect(await page.inputValue('input[name=address]')).toBe('东关街1号')
    expect(await page.inputValue('input[name=grid]')).toBe('Haifeng St/Xiguan')
    expect(await page.inputValue('input[name=location]')).toBe('999, 117.97')

    // latitude 999: the API names location.lat, shown under the location box
    await page.fill('input[name=name]', '西关服务站')
    await page.click('#station-form button[type=submit]')
    const badLat = await refusal({ name: 'x', location: { lat: 999, lon: 117.97 } })
    expect(badLat.path).toBe('location.lat')
    await expect.poll(() => errorFor('location').textContent()).toBe(`location.lat: ${badLat.text}`)
    expect(await errorFor('name').textContent()).toBe('')
    expect(await page.inputValue('input[name=name]')).toBe('西关服务站')
    expect(await page.inputValue('input[name=location]')).toBe('999, 117.97')

    // not two numbers: the console says so itself, and sends nothing
    await page.fill('input[name=location]', 'north of the bridge')
    await page.click('#station-form button[type=submit]')
    await expect.poll(() => errorFor('location').textContent()).toBe('请填写“纬度, 经度”两个数字')
    expect((await station('ST02')).status).toBe(404)

    await page.fill('input[name=location]', '37.39，117.96')
    await page.click('#station-form button[type=submit]')
    await page.waitForURL((url) => url.hash === '#/stations/ST02?created')
    expect((await station('ST02')).body).toMatchObject({
      name: '西关服务站',
      grid: ['Haifeng St', 'Xiguan'],
      location: { lat: 37.39, lon: 117.96 },
    })

    // a known id is not replaced from the new-station form
    await open('#/stations/new')
    await page.fill('input[name=id]', 'ST01')
    await page.fill('input[name=name]', '别的站')
    await page.click('#station-form button[type=submit]')
    await expect.poll(() => errorFor('id').textContent()).toBe('服务站 ST01 已存在，请在其页面修改')
    expect((await station('ST01')).body).toMatchObject({ name: '海丰服务站' })
  })

  it('changes a station on its page; an emptied box clears the field', async () => {
    await open('#/stations/ST01')
    await expect.poll(() => page.inputValue('input[name=name]')).toBe('海丰服务站')
    expect(await page.inputValue('input[name=grid]')).toBe('Haifeng St / Dongguan')
    expect(await page.inputValue('input[name=location]')).toBe(`${HOME.lat}, ${HOME.lon}`)
    await page.fill('input[name=name]', '海丰街道服务站')
    await page.fill('input[name=grid]', 'Haifeng St / Dongguan / G03')
    await page.fill('input[name=phone]', '')
    await page.click('#station-form button[type=submit]')
    await expect.poll(() => page.textContent('#station-saved')).toBe('已保存')
    expect(await page.textContent('#station-name')).toBe('海丰街道服务站')
    expect(await page.textContent('#station-grid')).toBe('Haifeng St / Dongguan / G03')
    const stored = await station('ST01')
    expect(stored.body).toMatchObject({ name: '海丰街道服务站', grid: ['Haifeng St', 'Dongguan', 'G03'] })
    expect(stored.body.phone).toBeUndefined()
    // a refusal on the page keeps what was typed too
    await page.fill('input[name=name]', '')
    await page.fill('input[name=address]', '新地址')
    await page.click('#station-form button[type=submit]')
    await expect.poll(() => errorFor('name').textContent()).not.toBe('')
    expect(await page.textContent('#station-saved')).toBe('')
    expect(await page.inputValue('input[name=address]')).toBe('新地址')
    expect((await station('ST01')).body).toMatchObject({ name: '海丰街道服务站' })
  })

  it('puts a carer at a station from the carer’s form, keeping the free-text station', async () => {
    await open('#/carers/C200')
    const select = page.locator('select[name=stationId]')
    await expect.poll(() => select.locator('option').count()).toBe(3)
    expect(await select.inputValue()).toBe('')
    expect(await select.locator('option').first().textContent()).toBe('无')
    await select.selectOption('ST01')
    await page.click('#carer-form button[type=submit]')
    await expect.poll(() => page.textContent('#carer-saved')).toBe('已保存')
    expect((await world.api<Carer>('GET', '/api/v1/carers/C200')).body).toMatchObject({
      stationId: 'ST01',
      station: '东关服务站',
    })
    // opened again, the form shows the station chosen, and the carer's facts link to it
    await open('#/carers')
    await open('#/carers/C200')
    await expect.poll(() => select.locator('option').count()).toBe(3)
    expect(await select.inputValue()).toBe('ST01')
    expect(await page.getAttribute('#carer-station a', 'href')).toBe('#/stations/ST01')

    // a station that is not registered (gone meanwhile): the API's refusal under the select
    await page.evaluate(`document.querySelector('select[name=stationId]').append(new Option('ST99', 'ST99'))`)
    await select.selectOption('ST99')
    await page.click('#carer-form button[type=submit]')
    await expect.poll(() => errorFor('stationId').textContent()).toBe('no station ST99')
    expect((await world.api<Carer>('GET', '/api/v1/carers/C200')).body).toMatchObject({ stationId: 'ST01' })

    // the station counts its carer, and its page names them
    await open('#/stations')
    await expect.poll(() => stationRow('ST01').locator('.carers').textContent()).toBe('1')
    expect(await stationRow('ST02').locator('.carers').textContent()).toBe('0')
    await open('#/stations/ST01')
    await expect.poll(() => page.locator('#station-carers a').textContent()).toBe('王芳')
    expect(await page.getAttribute('#station-carers a', 'href')).toBe('#/carers/C200')
  })

  it('shows markup in a station’s name as the characters they are, and runs none of it', async () => {
    const made = await world.api('PUT', '/api/v1/stations/ST03', { name: markup, address: markup })
    expect(made.status).toBe(201)
    await open('#/stations')
    await expect.poll(() => stationRow('ST03').locator('.name').textContent()).toBe(markup)
    expect(await stationRow('ST03').locator('.address').textContent()).toBe(markup)
    await open('#/stations/ST03')
    await expect.poll(() => page.textContent('#station-name')).toBe(markup)
    expect(await page.inputValue('input[name=name]')).toBe(markup)
    await open('#/carers/C200')
    const option = page.locator('select[name=stationId] option[value=ST03]')
    await expect.poll(() => option.textContent()).toBe(`${markup} (ST03)`)
    expect(
      await page
        .locator('#admin-content img, #admin-content script, #admin-content svg, #admin-content b')
        .count(),
    ).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
  })

  it('reads in English', async () => {
    await page.evaluate("localStorage.setItem('care.lang', 'en')")
    try {
      await open('#/stations')
      await page.reload()
      await page.waitForSelector('#admin-content[data-section="stations"]')
      expect(await page.textContent('#tab-stations')).toBe('Stations')
      expect(await page.locator('#stations-table th').allTextContents()).toEqual([
        'ID',
        'Name',
        'Address',
        'Phone',
        'Grid',
        'Carers',
      ])
      await expect.poll(() => stationRow('ST01').locator('.carers').textContent()).toBe('1')
      await open('#/stations/new')
      expect(await page.textContent('#station-form button[type=submit]')).toBe('Add a station')
      await page.fill('input[name=id]', 'ST04')
      await page.fill('input[name=name]', 'Xiguan')
      await page.fill('input[name=location]', 'by the river')
      await page.click('#station-form button[type=submit]')
      await expect.poll(() => errorFor('location').textContent()).toBe('Type “lat, lon”: two numbers')
      await open('#/carers/C200')
      await expect
        .poll(() => page.locator('select[name=stationId] option').first().textContent())
        .toBe('none')
    } finally {
      await page.evaluate("localStorage.setItem('care.lang', 'zh-CN')")
    }
  })
})
