import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * A supervisor scoped to one street tries every way to see an elder of
 * another street: listings, items, alarms, tracks, filters. Nothing leaks.
 */
let world: World
let token = ''
const mine = ['海丰街道', '东关社区', 'G01']
const theirs = ['车王镇', '西村', 'G09']

beforeAll(async () => {
  world = await startWorld()
  await world.elder('E01', { grid: mine, name: '本街老人' })
  await world.elder('E02', { grid: theirs, name: '外街老人' })
  const d1 = await world.device('D01', 'E01')
  const d2 = await world.device('D02', 'E02')
  await world.carer('C01', offset(HOME, 300, 0))
  for (const [d, id] of [
    [d1, 'D01'],
    [d2, 'D02'],
  ] as const) {
    await d.publish(`care/v1/dev/${id}/loc`, { ts: world.clock.now(), ...HOME })
    await d.publish(`care/v1/dev/${id}/sos`, { id: 's1', ts: world.clock.now() })
    await d.next((r) => r.message.state === 'received')
  }
  world.scheduler.advance(1_000) // let the telemetry batch land
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

describe('a supervisor scoped to a grid', () => {
  it('sees only their own street in every listing, whatever grid they ask for', async () => {
    for (const url of ['/api/v1/elders', '/api/v1/devices', '/api/v1/alarms']) {
      for (const q of ['', '?grid=车王镇', '?grid=车王镇/西村', '?grid=', '?grid=海丰街道']) {
        const res = await get<{ items: { elderId?: string; id: string }[] }>(url + q)
        expect(res.status, url + q).toBe(200)
        const text = JSON.stringify(res.body)
        expect(text, url + q).not.toContain('E02')
        expect(text, url + q).not.toContain('D02')
      }
    }
    const elders = await get<{ items: { id: string }[] }>('/api/v1/elders')
    expect(elders.body.items.map((e) => e.id)).toEqual(['E01'])
  })

  it('gets 404 for any item outside the scope, as if it did not exist', async () => {
    const alarms = await world.api<{ items: { id: string; elderId: string }[] }>('GET', '/api/v1/alarms')
    const foreign = alarms.body.items.find((a) => a.elderId === 'E02')?.id ?? ''
    for (const url of [
      '/api/v1/elders/E02',
      '/api/v1/devices/D02',
      `/api/v1/alarms/${foreign}`,
      '/api/v1/devices/D02/track',
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(JSON.stringify(res.body)).not.toContain('外街')
    }
    expect((await get('/api/v1/elders/E01')).status).toBe(200)
    expect((await get('/api/v1/devices/D01/track')).status).toBe(200)
  })

  it('may not change anything', async () => {
    const res = await world.api('PUT', '/api/v1/elders/E01', { name: 'x', home: HOME }, token)
    expect(res.status).toBe(403)
    const act = await world.api('POST', '/api/v1/alarms', { elderId: 'E01' }, token)
    expect(act.status).toBe(403)
  })
})
