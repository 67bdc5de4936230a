import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * A supervisor scoped to one street tries every way to see an elder of
 * another street: listings, items, alarms, tracks, filters. Nothing leaks.
 * Every refusal is paired with its control: the same request by the admin
 * finds what the supervisor is refused, and the supervisor does get the
 * items of their own street, so an empty answer or a missing id cannot
 * pass for scoping.
 */
let world: World
let token = ''
const mine = ['海丰街道', '东关社区', 'G01']
const theirs = ['车王镇', '西村', 'G09']
/** The alarm each elder's SOS opened, from the device's own `received`. */
const alarmOf: Record<'E01' | 'E02', string> = { E01: '', E02: '' }

beforeAll(async () => {
  world = await startWorld()
  await world.elder('E01', { grid: mine, name: '本街老人' })
  await world.elder('E02', { grid: theirs, name: '外街老人' })
  const d1 = await world.device('D01', 'E01')
  const d2 = await world.device('D02', 'E02')
  await world.carer('C01', offset(HOME, 300, 0))
  for (const [d, id, elder] of [
    [d1, 'D01', 'E01'],
    [d2, 'D02', 'E02'],
  ] as const) {
    await d.publish(`care/v1/dev/${id}/loc`, { ts: world.clock.now(), ...HOME })
    await d.publish(`care/v1/dev/${id}/sos`, { id: 's1', ts: world.clock.now() })
    const received = await d.next((r) => r.message.state === 'received')
    alarmOf[elder] = String(received.message.alarmId)
  }
  await world.scheduler.advance(1_000) // let the telemetry batch land
  await world.api('PUT', '/api/v1/users/sup', {
    role: 'supervisor',
    password: 'password-sup',
    grid: ['海丰街道'],
  })
  const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
    username: 'sup',
    password: 'password-sup',
  })
  token = login.body.token
})
afterAll(async () => {
  await world.stop()
})

const get = <T = Record<string, unknown>>(url: string) => world.api<T>('GET', url, undefined, token)
const asAdmin = <T = Record<string, unknown>>(url: string) => world.api<T>('GET', url)

interface Listing {
  items: { id: string; elderId?: string }[]
}
const ids = (body: Listing) => body.items.map((i) => i.id).sort()

describe('a supervisor scoped to a grid', () => {
  it('the world holds both streets: the admin sees two elders, devices, alarms and a carer', async () => {
    expect(alarmOf.E01).not.toBe('')
    expect(alarmOf.E02).not.toBe('')
    expect(alarmOf.E02).not.toBe(alarmOf.E01)
    expect(ids((await asAdmin<Listing>('/api/v1/elders')).body)).toEqual(['E01', 'E02'])
    expect(ids((await asAdmin<Listing>('/api/v1/devices')).body)).toEqual(['D01', 'D02'])
    expect(ids((await asAdmin<Listing>('/api/v1/alarms')).body)).toEqual([alarmOf.E01, alarmOf.E02].sort())
    expect(ids((await asAdmin<Listing>('/api/v1/carers')).body)).toEqual(['C01'])
  })

  it('sees exactly their own street in every listing, whatever grid they ask for', async () => {
    const listings = {
      '/api/v1/elders': { own: ['E01'], other: 'E02' },
      '/api/v1/devices': { own: ['D01'], other: 'D02' },
      '/api/v1/alarms': { own: [alarmOf.E01], other: alarmOf.E02 },
    }
    for (const [url, { own, other }] of Object.entries(listings)) {
      for (const q of ['', '?grid=车王镇', '?grid=车王镇/西村', '?grid=', '?grid=海丰街道']) {
        const res = await get<Listing>(url + q)
        expect(res.status, url + q).toBe(200)
        // their own street, never empty, and nothing of the other one
        expect(ids(res.body), url + q).toEqual(own)
        const text = JSON.stringify(res.body)
        for (const foreign of ['E02', 'D02', alarmOf.E02, '外街'])
          expect(text, url + q).not.toContain(foreign)
        // control: the same request by the admin reaches the other street, except where it asks for ours
        const admin = await asAdmin<Listing>(url + q)
        expect(admin.status, url + q).toBe(200)
        if (q === '?grid=海丰街道') expect(ids(admin.body), url + q).toEqual(own)
        else expect(ids(admin.body), url + q).toContain(other)
      }
    }
  })

  it('sees no carer, who belong to no grid, where the admin sees them', async () => {
    const res = await get<Listing>('/api/v1/carers')
    expect(res.status).toBe(200)
    expect(res.body.items).toEqual([])
    expect(ids((await asAdmin<Listing>('/api/v1/carers')).body)).toEqual(['C01'])
  })

  it('gets 404 for any item outside the scope, as if it did not exist, and 200 for its own', async () => {
    const pairs = [
      ['/api/v1/elders/E02', '/api/v1/elders/E01'],
      ['/api/v1/devices/D02', '/api/v1/devices/D01'],
      [`/api/v1/alarms/${alarmOf.E02}`, `/api/v1/alarms/${alarmOf.E01}`],
      ['/api/v1/devices/D02/track', '/api/v1/devices/D01/track'],
    ] as const
    for (const [foreign, own] of pairs) {
      const refused = await get(foreign)
      expect(refused.status, foreign).toBe(404)
      expect(JSON.stringify(refused.body), foreign).not.toContain('外街')
      // control: the item exists, and the admin gets it
      expect((await asAdmin(foreign)).status, foreign).toBe(200)
      // and the same kind of item of their own street is theirs to read
      expect((await get(own)).status, own).toBe(200)
    }
    expect((await asAdmin<{ name: string }>('/api/v1/elders/E02')).body.name).toBe('外街老人')
    expect((await get<{ name: string }>('/api/v1/elders/E01')).body.name).toBe('本街老人')
    const detail = await get<{ id: string; elderId: string; timeline: unknown[] }>(
      `/api/v1/alarms/${alarmOf.E01}`,
    )
    expect(detail.body).toMatchObject({ id: alarmOf.E01, elderId: 'E01' })
    expect(detail.body.timeline.length).toBeGreaterThan(0)
    // both devices reported a position: the admin reads it on D02's track, the supervisor on D01's
    const track = (body: { items?: unknown[] }) => body.items?.length ?? 0
    expect(track((await asAdmin<{ items: unknown[] }>('/api/v1/devices/D02/track')).body)).toBe(1)
    expect(track((await get<{ items: unknown[] }>('/api/v1/devices/D01/track')).body)).toBe(1)
  })

  it('may not change anything, where the admin may with the very same request', async () => {
    const rename = { name: 'x', home: HOME }
    const res = await world.api('PUT', '/api/v1/elders/E01', rename, token)
    expect(res.status).toBe(403)
    const act = await world.api('POST', '/api/v1/alarms', { elderId: 'E01' }, token)
    expect(act.status).toBe(403)
    // nothing changed
    expect((await asAdmin<{ name: string }>('/api/v1/elders/E01')).body.name).toBe('本街老人')
    expect(ids((await asAdmin<Listing>('/api/v1/alarms?kind=manual')).body)).toEqual([])
    // control: the requests were valid, only the role was wrong
    expect((await world.api('POST', '/api/v1/alarms', { elderId: 'E01' })).status).toBe(201)
    expect((await asAdmin<Listing>('/api/v1/alarms?kind=manual')).body.items).toHaveLength(1)
    expect((await world.api('PUT', '/api/v1/elders/E01', rename)).status).toBeLessThan(300)
    expect((await asAdmin<{ name: string }>('/api/v1/elders/E01')).body.name).toBe('x')
  })
})
