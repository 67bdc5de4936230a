import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, HOME, startWorld, type World } from '../support/world.ts'

/** Service stations (服务站) as units of their own: created, listed by grid, named by carers. */

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

interface Station {
  id: string
  name: string
  grid?: string[]
  createdAt: number
  updatedAt: number
}

const put = (id: string, body: Record<string, unknown>) =>
  world.api<Station>('PUT', `/api/v1/stations/${id}`, body)

describe('service stations', () => {
  it('are created and replaced whole, read back, audited, and refuse a bad field by its path', async () => {
    const created = await put('ST01', {
      name: '东关服务站',
      address: '海丰街12号',
      phone: '0543-3211234',
      grid: ['海丰街道', '东关社区'],
      location: HOME,
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      id: 'ST01',
      name: '东关服务站',
      grid: ['海丰街道', '东关社区'],
      location: HOME,
    })
    world.clock.set(world.clock.now() + 60_000)
    const replaced = await put('ST01', { name: '东关社区服务站' })
    expect(replaced.status).toBe(200)
    expect(replaced.body).toEqual({
      id: 'ST01',
      name: '东关社区服务站',
      createdAt: created.body.createdAt,
      updatedAt: created.body.createdAt + 60_000,
    })
    expect((await world.api('GET', '/api/v1/stations/ST01')).body).toEqual(replaced.body)
    expect((await world.api('GET', '/api/v1/stations/ST99')).status).toBe(404)

    const bad = await put('ST02', { name: '西关服务站', location: { lat: 999, lon: HOME.lon } })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'location.lat: Too big: expected number to be <=90' },
    })
    expect((await world.api('GET', '/api/v1/stations/ST02')).status).toBe(404)

    const audit = world
      .db()
      .prepare("SELECT target FROM audit WHERE action = 'station.put' ORDER BY at")
      .all()
    expect(audit).toEqual([{ target: 'ST01' }, { target: 'ST01' }])
  })

  it('are listed by grid, and a scoped supervisor sees only those in their grid', async () => {
    await put('ST01', { name: '东关服务站', grid: ['海丰街道', '东关社区'] })
    await put('ST02', { name: '车王服务站', grid: ['车王镇'] })
    await put('ST03', { name: '县服务中心' })
    const ids = async (url: string, token = ADMIN_TOKEN) =>
      ((await world.api<{ items: Station[] }>('GET', url, undefined, token)).body.items ?? []).map(
        (s) => s.id,
      )
    expect(await ids('/api/v1/stations')).toEqual(['ST03', 'ST02', 'ST01'])
    expect(await ids('/api/v1/stations?grid=海丰街道')).toEqual(['ST01'])

    await world.api('PUT', '/api/v1/users/sup1', {
      role: 'supervisor',
      password: 'password-sup1',
      grid: ['车王镇'],
    })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'sup1',
      password: 'password-sup1',
    })
    const token = login.body.token
    expect(await ids('/api/v1/stations', token)).toEqual(['ST02'])
    expect(await ids('/api/v1/stations?grid=海丰街道', token)).toEqual(['ST02'])
    expect((await world.api('GET', '/api/v1/stations/ST01', undefined, token)).status).toBe(404)
    expect((await world.api('GET', '/api/v1/stations/ST02', undefined, token)).status).toBe(200)
    expect((await world.api('PUT', '/api/v1/stations/ST04', { name: 'x' }, token)).status).toBe(403)
  })

  it('are named by carers: a registered one is kept on the carer, an unknown one refused', async () => {
    await put('ST01', { name: '东关服务站' })
    const body = { name: '王芳', mode: 'ebike', secret: 'secret-C01', stationId: 'ST01', station: '东关站' }
    const carer = await world.api('PUT', '/api/v1/carers/C01', body)
    expect(carer.status).toBe(201)
    expect(carer.body).toMatchObject({ id: 'C01', stationId: 'ST01', station: '东关站' })
    expect((await world.api('GET', '/api/v1/carers/C01')).body).toMatchObject({ stationId: 'ST01' })

    const unknown = await world.api('PUT', '/api/v1/carers/C02', {
      ...body,
      secret: 'secret-C02',
      stationId: 'ST77',
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body).toMatchObject({
      error: { code: 'UNKNOWN_STATION', message: 'stationId: no station ST77' },
    })
    expect((await world.api('GET', '/api/v1/carers/C02')).status).toBe(404)
  })
})
