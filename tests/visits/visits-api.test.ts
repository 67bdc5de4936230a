import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alarm, TimelineEntry } from '../../gateway/alarms/model.ts'
import type { Visit } from '../../gateway/visits/model.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'
import { distinctPng, jpegWithGps, pngWithText } from './support/images.ts'
import {
  ahead,
  carerToken,
  DAY_MS,
  daysBetween,
  shanghaiDay,
  upload,
  wellReport,
  ZONE,
} from './support/visits.ts'

/**
 * Visits through the API of a real gateway (real SQLite file, manual clock, days in Asia/Shanghai):
 * the plan's due days per risk grade, missed visits as alarms, sign-in checks, photos, reports,
 * scoping and erasure (docs/visits.md).
 */

const G03 = ['Haifeng St', 'Dongguan', 'G03']
const G04 = ['Haifeng St', 'Dongguan', 'G04']
const GRACE_S = 3_600

async function world(): Promise<World> {
  // a phone signs in again each week of simulated time, many times a real minute
  const env = { CARE_TIME_ZONE: ZONE, CARE_VISIT_GRACE_S: String(GRACE_S), CARE_LOGINS_PER_MINUTE: '100' }
  return startWorld({ env })
}

async function alarmsOf(w: World, elderId: string, kind: string): Promise<Alarm[]> {
  const res = await w.api<{ items: Alarm[] }>('GET', `/api/v1/alarms?elderId=${elderId}&kind=${kind}`)
  return res.body.items
}

async function timeline(w: World, alarmId: string): Promise<TimelineEntry[]> {
  return (await w.api<{ timeline: TimelineEntry[] }>('GET', `/api/v1/alarms/${alarmId}`)).body.timeline
}

/** The instant the visit counts as missed: the end of its due day in Shanghai plus the grace. */
function missedAt(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`) + DAY_MS + GRACE_S * 1000
}

describe('visit plans across two months, each visit done on its due day', () => {
  let w: World
  beforeAll(async () => {
    w = await world()
  })
  afterAll(async () => {
    await w.stop()
  })

  it('plans each grade’s visits a cadence apart, first within one cadence, and none is missed', async () => {
    const cadence = { high: 7, medium: 14, low: 30, safe: 60 } as const
    const elders = { EH1: 'high', EM1: 'medium', EL1: 'low', ES1: 'safe' } as const
    await w.carer('CR1', offset(HOME, 50, 0))
    const start = shanghaiDay(w.clock.now())
    for (const [id, risk] of Object.entries(elders)) {
      await w.elder(id, { risk })
      expect((await w.api('PUT', `/api/v1/elders/${id}/visit-plan`, { carerId: 'CR1' })).status).toBe(200)
    }
    const done = new Map<string, string[]>(Object.keys(elders).map((id) => [id, []]))
    let token = ''
    for (let day = 0; day < 62; day++) {
      const today = shanghaiDay(w.clock.now())
      // a phone session lasts a week: the phone signs in again every six days
      if (day % 6 === 0) token = await carerToken(w, 'CR1')
      const list = await w.api<{ items: Visit[]; today: string }>(
        'GET',
        '/api/v1/carers/CR1/visits',
        undefined,
        token,
      )
      expect(list.body, JSON.stringify(list.body)).toMatchObject({ today })
      for (const v of list.body.items) {
        // nothing is overdue when every visit is done on its day
        expect(v.dueDay).toBe(today)
        const inside = await w.api('POST', `/api/v1/visits/${v.id}/sign-in`, { ...HOME }, token)
        expect(inside.status).toBe(200)
        w.clock.set(w.clock.now() + 20 * 60_000)
        const out = await w.api<Visit>(
          'POST',
          `/api/v1/visits/${v.id}/sign-out`,
          { report: wellReport },
          token,
        )
        expect(out.body).toMatchObject({ status: 'done', onSiteS: 1200 })
        done.get(v.elderId)?.push(today)
        w.clock.set(w.clock.now() - 20 * 60_000)
      }
      await w.scheduler.advance(DAY_MS)
    }
    for (const [id, risk] of Object.entries(elders)) {
      const days = done.get(id) ?? []
      const first = days[0] as string
      expect(daysBetween(start, first)).toBeGreaterThanOrEqual(0)
      expect(daysBetween(start, first)).toBeLessThan(cadence[risk])
      for (let i = 1; i < days.length; i++)
        expect(daysBetween(days[i - 1] as string, days[i] as string)).toBe(cadence[risk])
      // every due day within the 62 days was visited
      expect(days.length).toBe(Math.floor((61 - daysBetween(start, first)) / cadence[risk]) + 1)
      expect(await alarmsOf(w, id, 'visit_missed')).toEqual([])
    }
  })
})

describe('missed visits', () => {
  let w: World
  beforeAll(async () => {
    w = await world()
  })
  afterAll(async () => {
    await w.stop()
  })

  it('raises visit_missed once at the end of the due day plus the grace, and plans the next a cadence on', async () => {
    await w.elder('EM2', { risk: 'medium' })
    const first = await ahead(w, 'EM2')
    await w.scheduler.advance(missedAt(first.dueDay) - w.clock.now() - 1)
    expect(await alarmsOf(w, 'EM2', 'visit_missed')).toEqual([])
    await w.scheduler.advance(1)
    const [alarm, ...more] = await alarmsOf(w, 'EM2', 'visit_missed')
    expect(more).toEqual([])
    expect(alarm).toMatchObject({ priority: 4, escalated: false, state: 'open' })
    const missed = (await w.api<Visit>('GET', `/api/v1/visits/${first.id}`)).body
    expect(missed).toMatchObject({ status: 'missed', missedAlarmId: alarm?.id })
    const next = await ahead(w, 'EM2')
    expect(daysBetween(first.dueDay, next.dueDay)).toBe(14)
    // hours later, still the one alarm
    await w.scheduler.advance(6 * 3_600_000)
    expect(await alarmsOf(w, 'EM2', 'visit_missed')).toHaveLength(1)
  })

  it('a high-risk elder’s second miss in a row escalates the open alarm to the centre', async () => {
    await w.elder('EH2', { risk: 'high' })
    const first = await ahead(w, 'EH2')
    await w.scheduler.advance(missedAt(first.dueDay) - w.clock.now())
    const second = await ahead(w, 'EH2')
    expect(daysBetween(first.dueDay, second.dueDay)).toBe(7)
    const [open] = await alarmsOf(w, 'EH2', 'visit_missed')
    expect(open).toMatchObject({ priority: 4, escalated: false })
    await w.scheduler.advance(missedAt(second.dueDay) - w.clock.now())
    const [after, ...more] = await alarmsOf(w, 'EH2', 'visit_missed')
    expect(more).toEqual([])
    expect(after).toMatchObject({ id: open?.id, escalated: true })
    const types = (await timeline(w, open?.id as string)).map((e) => e.type)
    expect(types).toEqual(['raised', 'note', 'escalated'])
  })

  it('a second miss after the first alarm was closed opens one at priority 2 for the centre, never offered', async () => {
    await w.carer('CR2', offset(HOME, 100, 0))
    await w.elder('EH3', { risk: 'high' })
    const first = await ahead(w, 'EH3')
    await w.scheduler.advance(missedAt(first.dueDay) - w.clock.now())
    const [firstAlarm] = await alarmsOf(w, 'EH3', 'visit_missed')
    const closed = await w.api('POST', `/api/v1/alarms/${firstAlarm?.id}/actions`, {
      action: 'resolve',
      outcome: 'other',
      note: 'called the family',
    })
    expect(closed.status).toBe(200)
    const second = await ahead(w, 'EH3')
    await w.scheduler.advance(missedAt(second.dueDay) - w.clock.now())
    const alarms = await alarmsOf(w, 'EH3', 'visit_missed')
    const fresh = alarms.find((a) => a.id !== firstAlarm?.id)
    expect(alarms).toHaveLength(2)
    expect(fresh).toMatchObject({ priority: 2, escalated: true, state: 'open' })
    const types = (await timeline(w, fresh?.id as string)).map((e) => e.type)
    expect(types).toEqual(['raised', 'escalated'])
  })

  it('a medium-risk elder’s second miss stays at priority 4, a note on the open alarm', async () => {
    await w.elder('EM3', { risk: 'medium' })
    const first = await ahead(w, 'EM3')
    await w.scheduler.advance(missedAt(first.dueDay) - w.clock.now())
    const second = await ahead(w, 'EM3')
    await w.scheduler.advance(missedAt(second.dueDay) - w.clock.now())
    const [alarm, ...more] = await alarmsOf(w, 'EM3', 'visit_missed')
    expect(more).toEqual([])
    expect(alarm).toMatchObject({ priority: 4, escalated: false })
  })

  it('a missed visit done late is flagged late, and the visit ahead moves to a cadence after it', async () => {
    await w.carer('CR3', offset(HOME, 30, 0))
    await w.elder('EM4', { risk: 'medium' })
    await w.api('PUT', '/api/v1/elders/EM4/visit-plan', { carerId: 'CR3' })
    const first = await ahead(w, 'EM4')
    await w.scheduler.advance(missedAt(first.dueDay) - w.clock.now() + 3 * DAY_MS)
    const token = await carerToken(w, 'CR3')
    const list = (
      await w.api<{ items: (Visit & { overdue: boolean })[] }>(
        'GET',
        '/api/v1/carers/CR3/visits',
        undefined,
        token,
      )
    ).body.items
    expect(list.find((v) => v.id === first.id)).toMatchObject({ status: 'missed', overdue: true })
    const inside = await w.api<Visit>('POST', `/api/v1/visits/${first.id}/sign-in`, { ...HOME }, token)
    expect(inside.body.flags).toEqual(expect.arrayContaining(['late', 'no_photo']))
    await w.api('POST', `/api/v1/visits/${first.id}/sign-out`, { report: wellReport }, token)
    const next = await ahead(w, 'EM4')
    expect(next.dueDay).toBe(shanghaiDay(w.clock.now() + 14 * DAY_MS))
  })
})

describe('at the door, and the reports', () => {
  let w: World
  let token: string
  beforeAll(async () => {
    w = await world()
    await w.carer('CR1', offset(HOME, 50, 0))
    await w.carer('CR9', offset(HOME, 80, 0))
    token = await carerToken(w, 'CR1')
  })
  afterAll(async () => {
    await w.stop()
  })

  async function assigned(elderId: string, over: Record<string, unknown> = {}): Promise<Visit> {
    await w.elder(elderId, over)
    await w.api('PUT', `/api/v1/elders/${elderId}/visit-plan`, { carerId: 'CR1' })
    return ahead(w, elderId)
  }

  it('a photo is checked by its bytes, stripped of its location, and the sign-in near the home is not flagged', async () => {
    const visit = await assigned('E10')
    const photo = await upload(w, visit.id, token, jpegWithGps('GPS-31.2304N'))
    expect(photo.status).toBe(201)
    const id = photo.body.id as string
    const signed = await w.api<Visit>(
      'POST',
      `/api/v1/visits/${visit.id}/sign-in`,
      { ...offset(HOME, 60, 0), acc: 10, photo: id },
      token,
    )
    expect(signed.status).toBe(200)
    expect(signed.body).toMatchObject({ status: 'on_site', flags: [], carerId: 'CR1' })
    expect(signed.body.signIn?.distanceM).toBeGreaterThan(50)
    expect(signed.body.signIn?.distanceM).toBeLessThan(70)
    const served = await w.app.surface.inject({
      method: 'GET',
      url: `/api/v1/visits/${visit.id}/photos/${id}`,
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    })
    expect(served.statusCode).toBe(200)
    expect(served.headers['content-type']).toBe('image/jpeg')
    expect(served.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    expect(served.rawPayload.includes('GPS-31.2304N')).toBe(false)
    const files = readdirSync(join(w.dataDir, 'photos'), { recursive: true }).map(String)
    expect(files.some((f) => f.endsWith(`${id}.jpg`))).toBe(true)
  })

  it('a sign-in 300 m away is flagged far, one without any fix is flagged no_fix', async () => {
    const far = await assigned('E11')
    const farIn = await w.api<Visit>(
      'POST',
      `/api/v1/visits/${far.id}/sign-in`,
      { ...offset(HOME, 300, 0) },
      token,
    )
    expect(farIn.body.flags).toEqual(expect.arrayContaining(['far', 'no_photo']))
    // CR1's own fix is older than five minutes by now
    await w.scheduler.advance(10 * 60_000)
    const blind = await assigned('E12')
    const blindIn = await w.api<Visit>('POST', `/api/v1/visits/${blind.id}/sign-in`, {}, token)
    expect(blindIn.body.flags).toEqual(expect.arrayContaining(['no_fix', 'no_photo']))
    expect(blindIn.body.signIn?.distanceM).toBeUndefined()
  })

  it('refuses what is not an image, a broken image and one over the limit, each with its code', async () => {
    const visit = await assigned('E13')
    const text = await upload(w, visit.id, token, Buffer.from('hello, not a picture'), 'image/jpeg')
    expect(text.status).toBe(415)
    expect(text.body).toMatchObject({ error: { code: 'PHOTO_NOT_IMAGE' } })
    const cut = await upload(w, visit.id, token, pngWithText('x').subarray(0, 40), 'image/png')
    expect(cut).toMatchObject({ status: 400, body: { error: { code: 'PHOTO_DAMAGED' } } })
    const big = Buffer.concat([jpegWithGps('x'), Buffer.alloc(2 * 1024 * 1024)])
    const large = await upload(w, visit.id, token, big)
    expect(large).toMatchObject({ status: 413, body: { error: { code: 'PHOTO_TOO_LARGE' } } })
    const huge = await upload(w, visit.id, token, Buffer.alloc(5 * 1024 * 1024))
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } })
    const sent = await w.api('POST', `/api/v1/visits/${visit.id}/sign-in`, { photo: 'a'.repeat(64) }, token)
    expect(sent).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_PHOTO' } } })
    expect((await w.api<Visit>('GET', `/api/v1/visits/${visit.id}`)).body).toMatchObject({
      status: 'due',
      photos: [],
    })
  })

  it('another carer may not sign in a visit that is not theirs', async () => {
    const visit = await assigned('E14')
    const other = await carerToken(w, 'CR9')
    const res = await w.api('POST', `/api/v1/visits/${visit.id}/sign-in`, { ...HOME }, other)
    expect(res.status).toBe(404)
    expect((await w.api('GET', `/api/v1/carers/CR1/visits`, undefined, other)).status).toBe(403)
  })

  it('“needs help now” opens a help_needed alarm for the centre, not offered to the carers on duty', async () => {
    const visit = await assigned('E15')
    await w.api('POST', `/api/v1/visits/${visit.id}/sign-in`, { ...HOME }, token)
    const out = await w.api<Visit>(
      'POST',
      `/api/v1/visits/${visit.id}/sign-out`,
      {
        ...HOME,
        report: { condition: 'needs_help', needs: ['medicine', 'meals'], note: '咳嗽发烧，家里没药' },
      },
      token,
    )
    expect(out.status).toBe(200)
    const [alarm, ...more] = await alarmsOf(w, 'E15', 'help_needed')
    expect(more).toEqual([])
    expect(out.body.helpAlarmId).toBe(alarm?.id)
    expect(alarm).toMatchObject({ priority: 1, escalated: true, state: 'open' })
    const entries = await timeline(w, alarm?.id as string)
    expect(entries.map((e) => e.type)).toEqual(['raised', 'escalated'])
    expect(entries[0]).toMatchObject({ actor: 'CR1', note: '咳嗽发烧，家里没药' })
  })

  it('a need noticed brings the visit ahead within the grade’s follow-up days (medium: 3)', async () => {
    const visit = await assigned('E18', { risk: 'medium' })
    await w.api('POST', `/api/v1/visits/${visit.id}/sign-in`, { ...HOME }, token)
    await w.api(
      'POST',
      `/api/v1/visits/${visit.id}/sign-out`,
      { report: { condition: 'well', needs: ['repairs'] } },
      token,
    )
    const next = await ahead(w, 'E18')
    expect(next.followUp).toBe('need')
    expect(daysBetween(shanghaiDay(w.clock.now()), next.dueDay)).toBeLessThanOrEqual(3)
  })

  it('an alarm closed for real brings the visit ahead within the follow-up days; a false alarm does not', async () => {
    await w.elder('E19', { risk: 'low' })
    await w.elder('E20', { risk: 'low' })
    const today = shanghaiDay(w.clock.now())
    const close = async (elderId: string, outcome: string) => {
      const alarm = await w.api<{ id: string }>('POST', '/api/v1/alarms', { elderId, priority: 4 })
      const res = await w.api('POST', `/api/v1/alarms/${alarm.body.id}/actions`, {
        action: 'resolve',
        outcome,
      })
      expect(res.status).toBe(200)
    }
    // their first visits fall anywhere within 30 days: put both well past the follow-up's 7
    for (const id of ['E19', 'E20']) {
      const v = await ahead(w, id)
      await w.api('PATCH', `/api/v1/visits/${v.id}`, { dueDay: shanghaiDay(w.clock.now() + 20 * DAY_MS) })
    }
    await close('E19', 'assisted')
    await close('E20', 'false_alarm')
    await expect.poll(async () => (await ahead(w, 'E19')).followUp).toBe('alarm')
    expect(daysBetween(today, (await ahead(w, 'E19')).dueDay)).toBe(7)
    const untouched = await ahead(w, 'E20')
    expect(untouched.followUp).toBeUndefined()
    expect(daysBetween(today, untouched.dueDay)).toBe(20)
  })

  it('a report outside the plan is a done visit of its kind, in the ledger and its CSV', async () => {
    await w.elder('E16')
    const filed = await w.api<Visit>(
      'POST',
      '/api/v1/visits',
      {
        elderId: 'E16',
        kind: 'call',
        report: { condition: 'unwell', needs: ['loneliness'], note: '=HYPERLINK("x")' },
      },
      token,
    )
    expect(filed.status).toBe(201)
    expect(filed.body).toMatchObject({ kind: 'call', status: 'done', carerId: 'CR1', elderId: 'E16' })
    const csv = await w.app.surface.inject({
      method: 'GET',
      url: '/api/v1/visits.csv?elderId=E16&kind=call',
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    })
    expect(csv.headers['content-type']).toContain('text/csv')
    const lines = csv.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]?.startsWith('visitId,kind,status,elderId')).toBe(true)
    expect(lines[1]).toContain(`${filed.body.id},call,done,E16`)
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`)
  })

  it('a new risk grade re-plans the visit ahead; a dispatcher may move it, not into the past', async () => {
    await w.elder('E17', { risk: 'safe' })
    const before = await ahead(w, 'E17')
    await w.elder('E17', { risk: 'high' })
    const after = await ahead(w, 'E17')
    expect(after.id).toBe(before.id)
    expect(after.risk).toBe('high')
    expect(daysBetween(shanghaiDay(w.clock.now()), after.dueDay)).toBeLessThan(7)
    const later = shanghaiDay(w.clock.now() + 3 * DAY_MS)
    const moved = await w.api<Visit>('PATCH', `/api/v1/visits/${after.id}`, { dueDay: later, carerId: 'CR9' })
    expect(moved.body).toMatchObject({ dueDay: later, moved: true, carerId: 'CR9' })
    const past = await w.api('PATCH', `/api/v1/visits/${after.id}`, { dueDay: '2020-01-01' })
    expect(past).toMatchObject({ status: 400, body: { error: { code: 'DAY_IN_PAST' } } })
    // moved by hand: a new grade leaves its day alone
    await w.elder('E17', { risk: 'low' })
    expect((await ahead(w, 'E17')).dueDay).toBe(later)
  })
})

describe('who sees what, and erasure', () => {
  let w: World
  let sup: string
  beforeAll(async () => {
    w = await world()
    await w.carer('CR1', offset(HOME, 50, 0))
    await w.api('PUT', '/api/v1/users/sup', { role: 'supervisor', password: 'password-sup', grid: G03 })
    sup = (
      await w.api<{ token: string }>('POST', '/api/v1/auth/login', {
        username: 'sup',
        password: 'password-sup',
      })
    ).body.token
  })
  afterAll(async () => {
    await w.stop()
  })

  it('a scoped supervisor sees their grid’s visits and photos, and no other grid’s', async () => {
    const token = await carerToken(w, 'CR1')
    await w.elder('EIN', { grid: G03 })
    await w.elder('EOUT', { grid: G04 })
    const photos: Record<string, { visit: string; photo: string }> = {}
    for (const id of ['EIN', 'EOUT']) {
      await w.api('PUT', `/api/v1/elders/${id}/visit-plan`, { carerId: 'CR1' })
      const v = await ahead(w, id)
      const up = await upload(w, v.id, token, jpegWithGps(id))
      photos[id] = { visit: v.id, photo: up.body.id as string }
    }
    const ledger = await w.api<{ items: Visit[] }>('GET', '/api/v1/visits', undefined, sup)
    expect(ledger.body.items.map((v) => v.elderId)).toEqual(['EIN'])
    const asked = await w.api<{ items: Visit[] }>(
      'GET',
      '/api/v1/visits?grid=Haifeng St/Dongguan/G04',
      undefined,
      sup,
    )
    expect(asked.body.items.map((v) => v.elderId)).toEqual(['EIN'])
    const photo = (elder: string) =>
      w.app.surface.inject({
        method: 'GET',
        url: `/api/v1/visits/${photos[elder]?.visit}/photos/${photos[elder]?.photo}`,
        headers: { authorization: `Bearer ${sup}` },
      })
    expect((await photo('EIN')).statusCode).toBe(200)
    expect((await photo('EOUT')).statusCode).toBe(404)
    expect((await w.api('GET', `/api/v1/visits/${photos.EOUT?.visit}`, undefined, sup)).status).toBe(404)
  })

  it('erasing an elder removes their visits and photo files, and the export held them before', async () => {
    const token = await carerToken(w, 'CR1')
    await w.elder('EGONE')
    await w.api('PUT', '/api/v1/elders/EGONE/visit-plan', { carerId: 'CR1', weekdays: [1, 3] })
    const v = await ahead(w, 'EGONE')
    // a photo no other visit has (the same bytes are stored once, and stay while any visit refers to them)
    const up = await upload(w, v.id, token, distinctPng(1), 'image/png')
    const id = up.body.id as string
    const file = join(w.dataDir, 'photos', id.slice(0, 2), `${id}.png`)
    expect(existsSync(file)).toBe(true)
    const exported = await w.api<{
      visits: Visit[]
      visitPlan: { weekdays: number[] }
      photos: { visitId: string; id: string; data: string }[]
    }>('GET', '/api/v1/elders/EGONE/export')
    expect(exported.body.visits.map((x) => x.id)).toEqual([v.id])
    expect(exported.body.visitPlan.weekdays).toEqual([1, 3])
    // the photo itself, as stored (its location text removed)
    const [photo, ...others] = exported.body.photos
    expect(others).toEqual([])
    expect(photo).toMatchObject({ visitId: v.id, id })
    const bytes = Buffer.from(photo?.data ?? '', 'base64')
    expect(bytes.equals(readFileSync(file))).toBe(true)
    expect(bytes.includes('Location')).toBe(false)
    const erased = await w.api('DELETE', '/api/v1/elders/EGONE')
    expect(erased).toMatchObject({ status: 200, body: { visits: 1, photos: 1 } })
    await w.settled()
    await expect.poll(() => existsSync(file)).toBe(false)
    expect((await w.api<{ items: Visit[] }>('GET', '/api/v1/visits?elderId=EGONE')).body.items).toEqual([])
    expect(w.db().prepare('SELECT count(*) AS n FROM visit_photos WHERE photo_id = ?').get(id)).toEqual({
      n: 0,
    })
  })
})

describe('photo retention', () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({ env: { CARE_TIME_ZONE: ZONE, CARE_PHOTO_RETENTION_DAYS: '1' } })
    await w.carer('CR1', offset(HOME, 50, 0))
  })
  afterAll(async () => {
    await w.stop()
  })

  it('removes a photo past the retention; the visit stays and counts the photo removed', async () => {
    await w.elder('EOLD')
    await w.api('PUT', '/api/v1/elders/EOLD/visit-plan', { carerId: 'CR1' })
    const v = await ahead(w, 'EOLD')
    const up = await upload(w, v.id, await carerToken(w, 'CR1'), distinctPng(2), 'image/png')
    const id = up.body.id as string
    const file = join(w.dataDir, 'photos', id.slice(0, 2), `${id}.png`)
    expect(existsSync(file)).toBe(true)
    // a day on, the photo is still within its day of retention
    await w.scheduler.advance(DAY_MS - 60_000)
    expect(existsSync(file)).toBe(true)
    // the retention task runs every six hours: by then the photo is past its day
    await w.scheduler.advance(7 * 3_600_000)
    expect(existsSync(file)).toBe(false)
    const kept = (await w.api<Visit>('GET', `/api/v1/visits/${v.id}`)).body
    expect(kept).toMatchObject({ id: v.id, photos: [], photosPurged: 1 })
  })
})

describe('a restart', () => {
  it('arms the deadline of each visit due again; one whose day ended while the gateway was down is missed at once, once', async () => {
    const env = { CARE_TIME_ZONE: ZONE, CARE_VISIT_GRACE_S: String(GRACE_S) }
    const first = await startWorld({ env, keepData: true })
    await first.elder('ERST', { risk: 'high' })
    const due = await ahead(first, 'ERST')
    await first.stop()
    // back two hours after the visit counted as missed: nothing was there to see it happen
    const second = await startWorld({
      env,
      dataDir: first.dataDir,
      keepData: true,
      clockAt: missedAt(due.dueDay) + 2 * 3_600_000,
      idPrefix: 'B',
    })
    try {
      await second.scheduler.advance(0)
      const [alarm, ...more] = await alarmsOf(second, 'ERST', 'visit_missed')
      expect(more).toEqual([])
      expect(alarm).toMatchObject({ priority: 4 })
      expect((await second.api<Visit>('GET', `/api/v1/visits/${due.id}`)).body.status).toBe('missed')
      // and the next visit ahead has its deadline armed in turn
      const next = await ahead(second, 'ERST')
      expect(second.scheduler.dueAt(`visit:${next.id}`)).toBe(missedAt(next.dueDay))
      await second.scheduler.advance(3_600_000)
      expect(await alarmsOf(second, 'ERST', 'visit_missed')).toHaveLength(1)
    } finally {
      await second.stop()
      rmSync(first.dataDir, { recursive: true, force: true })
    }
  })
})
