import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, startWorld, type World } from '../support/world.ts'

/** What the admin console needs of the API beyond the contract's first routes (docs/web.md, "Admin console"). */

let world: World
beforeAll(async () => {
  world = await startWorld()
  await world.elder('E-ZHANG', { name: '张秀英', phone: '13900000001', address: '海丰街12号', risk: 'high' })
  await world.elder('E-LIU', {
    name: '刘桂兰',
    phone: '13900000002',
    address: '100%纯净水站旁',
    risk: 'low',
    grid: ['Haifeng St', 'Xiguan', 'G01'],
  })
  await world.elder('E-wang', {
    name: 'Wang Li',
    phone: '13700000003',
    address: 'Dongguan Rd 5',
    risk: 'high',
  })
})
afterAll(async () => {
  await world.stop()
})

const ids = (body: { items: { id: string }[] }) => body.items.map((e) => e.id).sort()

describe('GET /elders: the console’s search and filters', () => {
  it('finds a word of the id, name, phone or address, in any case', async () => {
    const find = async (q: string) =>
      ids(
        (await world.api<{ items: { id: string }[] }>('GET', `/api/v1/elders?q=${encodeURIComponent(q)}`))
          .body,
      )
    expect(await find('秀英')).toEqual(['E-ZHANG'])
    expect(await find('1390000000')).toEqual(['E-LIU', 'E-ZHANG'])
    expect(await find('dongguan')).toEqual(['E-wang'])
    expect(await find('e-WANG')).toEqual(['E-wang'])
    // a % is a character to find, not a wildcard
    expect(await find('100%')).toEqual(['E-LIU'])
    expect(await find('%')).toEqual(['E-LIU'])
  })

  it('narrows by risk grades and grid together', async () => {
    const high = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/elders?risk=high')
    expect(ids(high.body)).toEqual(['E-ZHANG', 'E-wang'])
    const lowOrHigh = await world.api<{ items: { id: string }[] }>(
      'GET',
      `/api/v1/elders?risk=low,high&grid=${encodeURIComponent('Haifeng St/Xiguan')}`,
    )
    expect(ids(lowOrHigh.body)).toEqual(['E-LIU'])
    const bad = await world.api<{ error: { code: string; message: string } }>(
      'GET',
      '/api/v1/elders?risk=grave',
    )
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/^risk/)
  })
})

describe('GET /grids: the names in use, level by level', () => {
  it('answers the names one level down with their elders, and a scoped supervisor inside their grid', async () => {
    const top = await world.api('GET', '/api/v1/grids')
    expect(top.body).toEqual({ parent: [], items: [{ name: 'Haifeng St', elders: 3 }] })
    const street = await world.api('GET', `/api/v1/grids?parent=${encodeURIComponent('Haifeng St')}`)
    expect(street.body).toEqual({
      parent: ['Haifeng St'],
      items: [
        { name: 'Dongguan', elders: 2 },
        { name: 'Xiguan', elders: 1 },
      ],
    })
    await world.api('PUT', '/api/v1/users/sup-x', {
      role: 'supervisor',
      password: 'password-sup-x',
      grid: ['Haifeng St', 'Xiguan'],
    })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'sup-x',
      password: 'password-sup-x',
    })
    const scoped = await world.api('GET', '/api/v1/grids', undefined, login.body.token)
    expect(scoped.body).toEqual({ parent: ['Haifeng St', 'Xiguan'], items: [{ name: 'G01', elders: 1 }] })
  })
})

describe('lists by elder', () => {
  it('GET /devices?elderId= and GET /alarms?elderId= answer that elder’s only', async () => {
    await world.api('PUT', '/api/v1/devices/D-Z1', {
      kind: 'watch',
      elderId: 'E-ZHANG',
      secret: 'secret-D-Z1',
    })
    await world.api('PUT', '/api/v1/devices/D-L1', { kind: 'phone', elderId: 'E-LIU', secret: 'secret-D-L1' })
    await world.api('PUT', '/api/v1/devices/D-W1', {
      kind: 'phone',
      elderId: 'E-wang',
      secret: 'secret-D-W1',
    })
    const two = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/devices?elderId=E-ZHANG,E-wang')
    expect(ids(two.body)).toEqual(['D-W1', 'D-Z1'])
    const alarm = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E-LIU' })
    await world.api('POST', '/api/v1/alarms', { elderId: 'E-ZHANG' })
    const liu = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/alarms?elderId=E-LIU')
    expect(liu.body.items.map((a) => a.id)).toEqual([alarm.body.id])
  })
})

describe('a replacing PUT may leave the secret out', () => {
  it('keeps a device’s secret: it still connects with it; a new device without one is refused', async () => {
    await world.api('PUT', '/api/v1/devices/D-K1', {
      kind: 'phone',
      elderId: 'E-ZHANG',
      secret: 'secret-D-K1',
    })
    const moved = await world.api('PUT', '/api/v1/devices/D-K1', { kind: 'watch', elderId: 'E-LIU' })
    expect(moved.status).toBe(200)
    expect(moved.body).toMatchObject({ kind: 'watch', elderId: 'E-LIU' })
    const client = await TestClient.connect(world.mqttUrl, 'D-K1', 'secret-D-K1')
    await client.end()
    const fresh = await world.api<{ error: { code: string; message: string } }>(
      'PUT',
      '/api/v1/devices/D-K2',
      {
        kind: 'watch',
        elderId: 'E-LIU',
      },
    )
    expect(fresh.status).toBe(400)
    expect(fresh.body.error).toEqual({
      code: 'SECRET_REQUIRED',
      message: 'secret: required for a new device',
    })
    expect((await world.api('GET', '/api/v1/devices/D-K2')).status).toBe(404)
  })

  it('keeps a carer’s secret and their phone sessions; a new carer without one is refused', async () => {
    await world.api('PUT', '/api/v1/carers/C-K1', { name: '王芳', mode: 'walk', secret: 'secret-C-K1' })
    const phone = await world.api<{ token: string }>('POST', '/api/v1/auth/carer', {
      carerId: 'C-K1',
      secret: 'secret-C-K1',
    })
    const renamed = await world.api('PUT', '/api/v1/carers/C-K1', {
      name: '王芳芳',
      mode: 'ebike',
      station: '东关站',
    })
    expect(renamed.body).toMatchObject({ name: '王芳芳', mode: 'ebike', station: '东关站' })
    // the phone's session did not end: the secret did not change
    expect((await world.api('GET', '/api/v1/carers/C-K1/tasks', undefined, phone.body.token)).status).toBe(
      200,
    )
    const again = await world.api('POST', '/api/v1/auth/carer', { carerId: 'C-K1', secret: 'secret-C-K1' })
    expect(again.status).toBe(200)
    const fresh = await world.api<{ error: { code: string } }>('PUT', '/api/v1/carers/C-K2', {
      name: '刘强',
      mode: 'car',
    })
    expect(fresh.body.error.code).toBe('SECRET_REQUIRED')
  })

  it('keeps a user’s password and sessions when only the name changes, ends them for a new role', async () => {
    await world.api('PUT', '/api/v1/users/liu-min', { role: 'dispatcher', password: 'Tiao-du-2026!' })
    const login = async () =>
      world.api<{ token: string }>('POST', '/api/v1/auth/login', {
        username: 'liu-min',
        password: 'Tiao-du-2026!',
      })
    const first = await login()
    await world.api('PUT', '/api/v1/users/liu-min', { role: 'dispatcher', name: '刘敏' })
    expect((await world.api('GET', '/api/v1/alarms', undefined, first.body.token)).status).toBe(200)
    await world.api('PUT', '/api/v1/users/liu-min', { role: 'supervisor', name: '刘敏' })
    expect((await world.api('GET', '/api/v1/alarms', undefined, first.body.token)).status).toBe(401)
    const second = await login()
    expect(second.status).toBe(200)
    expect(second.body).toMatchObject({ role: 'supervisor' })
    const fresh = await world.api<{ error: { code: string; message: string } }>(
      'PUT',
      '/api/v1/users/nobody-yet',
      {
        role: 'dispatcher',
      },
    )
    expect(fresh.body.error).toEqual({
      code: 'SECRET_REQUIRED',
      message: 'password: required for a new user',
    })
  })

  it('lists services without their secrets', async () => {
    await world.api('PUT', '/api/v1/services/S-SMS', { name: '短信通知', secret: 'secret-S-SMS' })
    const renamed = await world.api('PUT', '/api/v1/services/S-SMS', { name: '短信' })
    expect(renamed.status).toBe(200)
    const list = await world.api<{ items: Record<string, unknown>[] }>('GET', '/api/v1/services')
    expect(list.body.items).toEqual([
      { id: 'S-SMS', name: '短信', createdAt: expect.any(Number), updatedAt: expect.any(Number) },
    ])
  })
})

describe('import as a job, and its preview', () => {
  const post = (path: string, csv: string, token = ADMIN_TOKEN) =>
    world.app.surface.inject({
      method: 'POST',
      url: `/api/v1/import/${path}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      payload: csv,
    })

  it('previews the column mapping and the first rows checked, storing nothing', async () => {
    const csv = `编号,姓名,纬度,经度,风险等级,错误原因\nPV1,李华,${HOME.lat},${HOME.lon},高,\nPV2,,${HOME.lat},${HOME.lon},,name missing\nPV1,again,${HOME.lat},${HOME.lon},,\n`
    const res = await post('preview?type=elders', csv)
    expect(res.json()).toEqual({
      type: 'elders',
      total: 3,
      columns: [
        { header: '编号', field: 'id' },
        { header: '姓名', field: 'name' },
        { header: '纬度', field: 'home.lat' },
        { header: '经度', field: 'home.lon' },
        { header: '风险等级', field: 'risk' },
        // a downloaded report's reason column is read and left out
        { header: '错误原因', field: null },
      ],
      rows: [
        { row: 1, id: 'PV1', valid: true },
        { row: 2, id: 'PV2', valid: false, reason: expect.stringMatching(/^name: /) },
        { row: 3, id: 'PV1', valid: false, reason: 'duplicate id: already in row 1' },
      ],
    })
    expect((await world.api('GET', '/api/v1/elders/PV1')).status).toBe(404)
    const unknown = await post('preview?type=elders', 'id,name,shoe size\nPV3,x,42\n')
    expect(unknown.json()).toMatchObject({ problem: 'unknown column "shoe size" for elders', rows: [] })
  })

  it('runs, counts its progress to the end, and keeps the report it would have answered', async () => {
    const lines = ['id,name,lat,lon']
    for (let i = 0; i < 1_200; i++)
      lines.push(`J${String(i).padStart(4, '0')},老人${i},${i % 100 === 7 ? 91 : HOME.lat},${HOME.lon}`)
    const started = await post('jobs?type=elders', `${lines.join('\n')}\n`)
    expect(started.statusCode).toBe(202)
    const job = started.json() as { id: string; state: string; total: number }
    expect(job).toMatchObject({ state: 'running', total: 1_200 })
    let view: Record<string, unknown> = {}
    for (let i = 0; i < 500; i++) {
      view = (await world.api('GET', `/api/v1/import/jobs/${job.id}`)).body
      if (view.state !== 'running') break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(view).toMatchObject({ state: 'done', total: 1_200, done: 1_200, created: 1_188, rejected: 12 })
    const report = await world.api<{ rows: { row: number; status: string; reason?: string }[] }>(
      'GET',
      `/api/v1/import/jobs/${job.id}/report`,
    )
    const rejected = report.body.rows.filter((r) => r.status === 'rejected')
    expect(rejected.map((r) => r.row)).toEqual(Array.from({ length: 12 }, (_, k) => k * 100 + 8))
    expect(rejected[0]?.reason).toMatch(/^home\.lat: /)
    const audit = await world.api<{ items: { action: string; detail: Record<string, unknown> }[] }>(
      'GET',
      '/api/v1/audit?action=elders.import',
    )
    expect(audit.body.items[0]?.detail).toMatchObject({
      total: 1_200,
      created: 1_188,
      rejected: 12,
      job: job.id,
    })
  })

  it('is the admin’s alone, and an unknown job is said so', async () => {
    await world.api('PUT', '/api/v1/users/disp-j', { role: 'dispatcher', password: 'password-disp-j' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'disp-j',
      password: 'password-disp-j',
    })
    expect((await post('jobs?type=elders', 'id,name,lat,lon\n', login.body.token)).statusCode).toBe(403)
    const missing = await world.api<{ error: { code: string } }>('GET', '/api/v1/import/jobs/no-such-job')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('IMPORT_JOB_NOT_FOUND')
  })
})
