import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alarm } from '../../gateway/alarms/model.ts'
import type { Visit } from '../../gateway/visits/model.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { jpegWithGps } from '../visits/support/images.ts'
import { ahead, shanghaiDay, ZONE } from '../visits/support/visits.ts'
import {
  type Browsing,
  haveChromium,
  launch,
  login,
  mustRun,
  phoneAt,
  screenshot,
  user,
} from './support/browser.ts'

/**
 * A carer's visits on the phone page in Chromium (docs/visits.md): the visit due today, a photo
 * from the camera input, sign-in with the phone's position, the report and sign-out; a sign-in far
 * from the home flagged; a file that is not an image refused; a report outside the plan.
 */
describe.skipIf(!haveChromium && !mustRun)('visits on the carer page', () => {
  let world: World
  let browsing: Browsing
  let phone: Page
  let board: Page

  /** The elder's visit ahead, moved to today and given to the carer. */
  async function dueToday(elderId: string, carerId: string): Promise<Visit> {
    await world.api('PUT', `/api/v1/elders/${elderId}/visit-plan`, { carerId })
    const v = await ahead(world, elderId)
    await world.api('PATCH', `/api/v1/visits/${v.id}`, { dueDay: shanghaiDay(world.clock.now()) })
    return v
  }

  beforeAll(async () => {
    world = await startWorld({ env: { CARE_TIME_ZONE: ZONE } })
    browsing = await launch()
    await world.elder('E01', {
      name: '王秀兰',
      phone: '13812345678',
      address: '海丰街道东关社区12号楼2单元301',
    })
    await world.elder('E02', { name: '李建国', home: offset(HOME, 0, 800) })
    await world.carer('C01', offset(HOME, 500, 0), { name: '王芳' })
    await world.carer('C02', offset(HOME, 900, 0), { name: '赵磊' })
    await user(world, 'wangfang', { role: 'carer', carerId: 'C01' })
    await user(world, 'zhaolei', { role: 'carer', carerId: 'C02' })
    await user(world, 'disp1', { role: 'dispatcher' })
    const desk = await browsing.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
    })
    board = await login(desk, world, 'disp1')
    await board.waitForSelector('#live-status[data-status=live]')
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  it('photo, sign-in at the door, “needs help now” and sign-out: the visit is done and the centre has the alarm', async () => {
    const v = await dueToday('E01', 'C01')
    phone = await phoneAt(browsing, world, 'wangfang', offset(HOME, 25, 10))
    const card = phone.locator(`article.visit[data-visit="${v.id}"]`)
    await card.waitFor()
    expect(await card.textContent()).toContain('王秀兰')
    expect(await card.locator('a[href="tel:13812345678"]').count()).toBe(1)

    await phone.setInputFiles(`#photo-${v.id}`, {
      name: 'door.jpg',
      mimeType: 'image/jpeg',
      buffer: jpegWithGps('GPS-37.3835N'),
    })
    await phone.locator('#visit-notice', { hasText: '照片已上传' }).waitFor()
    await phone.click(`#sign-in-${v.id}`)
    await expect.poll(() => card.getAttribute('data-status')).toBe('on_site')
    const signed = (await world.api<Visit>('GET', `/api/v1/visits/${v.id}`)).body
    expect(signed.photos).toHaveLength(1)
    expect(signed.flags).toEqual([])
    expect(signed.signIn?.distanceM).toBeLessThan(50)
    const photo = await world.app.surface.inject({
      method: 'GET',
      url: `/api/v1/visits/${v.id}/photos/${signed.photos[0]?.id}`,
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    })
    expect(photo.rawPayload.includes('GPS-37.3835N')).toBe(false)

    await phone.check(`#r-${v.id}-needs_help`)
    await phone.check(`#r-${v.id}-need-medicine`)
    await phone.fill(`#r-${v.id}-note`, '发烧，家里没有退烧药')
    await screenshot(phone, 'carer-visit-report-zh', true)
    await phone.click(`#sign-out-${v.id}`)
    await phone.locator('#visit-notice', { hasText: '调度中心已收到' }).waitFor()
    const done = (await world.api<Visit>('GET', `/api/v1/visits/${v.id}`)).body
    expect(done).toMatchObject({
      status: 'done',
      report: { condition: 'needs_help', needs: ['medicine'], note: '发烧，家里没有退烧药' },
    })
    const alarm = (await world.api<Alarm>('GET', `/api/v1/alarms/${done.helpAlarmId}`)).body
    expect(alarm).toMatchObject({ kind: 'help_needed', elderId: 'E01', escalated: true })
    // the dispatcher's board shows it at once, from the live stream
    await board.locator(`tr.alarm-row[data-id="${alarm.id}"]`).waitFor()
    // done: the card leaves the list
    await expect.poll(() => card.count()).toBe(0)
  })

  it('flags a sign-in 800 m from the home, and refuses a file that is not an image', async () => {
    const v = await dueToday('E02', 'C02')
    const far = await phoneAt(browsing, world, 'zhaolei', offset(HOME, 0, 0))
    const card = far.locator(`article.visit[data-visit="${v.id}"]`)
    await card.waitFor()
    await far.setInputFiles(`#photo-${v.id}`, {
      name: 'notes.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('not a picture'),
    })
    await far.locator('#visit-error', { hasText: 'PHOTO_NOT_IMAGE' }).waitFor()
    await far.click(`#sign-in-${v.id}`)
    await expect.poll(() => card.getAttribute('data-status')).toBe('on_site')
    expect(await far.locator(`#flags-${v.id}`).textContent()).toContain('200')
    const signed = (await world.api<Visit>('GET', `/api/v1/visits/${v.id}`)).body
    expect(signed.flags.sort()).toEqual(['far', 'no_photo'])
    expect(signed.signIn?.distanceM).toBeGreaterThan(700)
  })

  it('files a report outside the plan from the phone', async () => {
    await phone.click('#ad-hoc summary')
    await phone.fill('#report-elder', 'E01')
    await phone.selectOption('#report-kind', 'escort')
    await phone.check('#adhoc-unwell')
    await phone.check('#adhoc-need-money')
    await phone.fill('#adhoc-note', '陪同去县医院复查')
    await phone.click('#report-send')
    await phone.locator('#visit-notice', { hasText: '汇报已提交' }).waitFor()
    const ledger = await world.api<{ items: Visit[] }>('GET', '/api/v1/visits?elderId=E01&kind=escort')
    expect(ledger.body.items).toHaveLength(1)
    expect(ledger.body.items[0]).toMatchObject({
      carerId: 'C01',
      status: 'done',
      report: { condition: 'unwell', needs: ['money'], note: '陪同去县医院复查' },
    })
  })
})
