import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

interface Report {
  type: string
  total: number
  created: number
  updated: number
  rejected: number
  rows: { row: number; id?: string; status: string; reason?: string }[]
}

async function importCsv(type: string, csv: string, token = 'test-admin-token-0123456789') {
  const res = await world.app.surface.inject({
    method: 'POST',
    url: `/api/v1/import?type=${type}`,
    headers: { 'content-type': 'text/csv; charset=utf-8', authorization: `Bearer ${token}` },
    payload: csv,
  })
  return { status: res.statusCode, body: res.json() as Report }
}

const chineseElders = [
  '\uFEFF编号,姓名,电话,地址,网格,纬度,经度,风险等级,备注,紧急联系人,围栏半径',
  `E001,张秀英,13900000001,海丰街12号,海丰街道/东关社区/G03,${HOME.lat},${HOME.lon},高,独居,李明:儿子:13900000002;王芳:13900000003,300`,
  `E002,刘桂兰,,海丰街14号,海丰街道/东关社区/G03,${HOME.lat},${HOME.lon},基本安全,,,`,
].join('\r\n')

describe('POST /import', () => {
  it('reads a CSV with a BOM and Chinese headers', async () => {
    const { status, body } = await importCsv('elders', chineseElders)
    expect(status).toBe(200)
    expect(body).toMatchObject({ type: 'elders', total: 2, created: 2, updated: 0, rejected: 0 })
    const elder = await world.api('GET', '/api/v1/elders/E001')
    expect(elder.body).toMatchObject({
      name: '张秀英',
      grid: ['海丰街道', '东关社区', 'G03'],
      home: HOME,
      risk: 'high',
      notes: '独居',
      fence: { radiusM: 300 },
      contacts: [
        { name: '李明', relation: '儿子', phone: '13900000002' },
        { name: '王芳', phone: '13900000003' },
      ],
    })
    expect((await world.api('GET', '/api/v1/elders/E002')).body).toMatchObject({ risk: 'safe' })
  })

  it('refuses a file that is not CSV with a clear 400, small or large (read on a thread)', async () => {
    const rows = Array.from({ length: 8_000 }, (_, i) => `E${10_000 + i},Elder ${i},${HOME.lat},${HOME.lon}`)
    for (const body of ['id,name\nE1,"unclosed\n', `id,name,lat,lon\n${rows.join('\n')}\nE9,"unclosed\n`]) {
      const { status, body: answer } = await importCsv('elders', body)
      expect(status).toBe(400)
      expect((answer as unknown as { error: { message: string } }).error.message).toMatch(
        /^not readable as CSV: /,
      )
    }
    expect((await world.api('GET', '/api/v1/elders/E10000')).status).toBe(404)
  })

  it('reads a cell the pages guarded against formulas as it was before the guard', async () => {
    const { body } = await importCsv(
      'elders',
      `id,name,phone,notes,lat,lon\nE300,'=Wang,'+86 13900000001,'-cares for a cat,${HOME.lat},${HOME.lon}\n`,
    )
    expect(body).toMatchObject({ created: 1, rejected: 0 })
    const elder = await world.api('GET', '/api/v1/elders/E300')
    expect(elder.body).toMatchObject({ name: '=Wang', phone: '+86 13900000001', notes: '-cares for a cat' })
  })

  it('reads English headers, and devices may name elders imported just before', async () => {
    await importCsv('elders', `id,name,lat,lon,risk\nE100,Wang Li,${HOME.lat},${HOME.lon},low\n`)
    const devices = await importCsv('devices', 'id,kind,elderId,secret\nD100,watch,E100,secret-0001\n')
    expect(devices.body).toMatchObject({ created: 1, rejected: 0 })
    const carers = await importCsv(
      'carers',
      `编号,姓名,服务站,出行方式,技能,密钥\nC100,王芳,东关站,电动车,护理;急救,secret-0002\n`,
    )
    expect(carers.body).toMatchObject({ created: 1, rejected: 0 })
    expect((await world.api('GET', '/api/v1/carers/C100')).body).toMatchObject({
      mode: 'ebike',
      skills: ['护理', '急救'],
    })
  })

  it('takes JSON: an array of {id, ...PUT body}', async () => {
    const res = await world.api<Report>('POST', '/api/v1/import?type=elders', [
      { id: 'E200', name: 'A', home: HOME },
      { id: 'E201', name: 'B', home: HOME, risk: 'high', extra: 1 },
    ])
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ total: 2, created: 1, rejected: 1 })
    expect(res.body.rows[1]).toMatchObject({ row: 2, id: 'E201', status: 'rejected' })
  })

  it('reports every bad row with its reason while the good rows land', async () => {
    const csv = [
      'id,name,lat,lon,risk',
      `EL1,Good,${HOME.lat},${HOME.lon},high`,
      `EL2,BadLat,999,${HOME.lon},low`,
      `EL3,BadRisk,${HOME.lat},${HOME.lon},extreme`,
      `EL4,,${HOME.lat},${HOME.lon},low`,
      `EL1,Again,${HOME.lat},${HOME.lon},low`,
      `EL5,Good too,${HOME.lat},${HOME.lon},`,
    ].join('\n')
    const { body } = await importCsv('elders', csv)
    expect(body).toMatchObject({ total: 6, created: 2, updated: 0, rejected: 4 })
    const byRow = Object.fromEntries(body.rows.map((r) => [r.row, r]))
    expect(byRow[2]?.reason).toMatch(/^home\.lat:/)
    expect(byRow[3]?.reason).toMatch(/^risk:/)
    expect(byRow[4]?.reason).toMatch(/^name:/)
    expect(byRow[5]?.reason).toMatch(/duplicate id: already in row 1/)
    const devices = await importCsv(
      'devices',
      'id,kind,elderId,secret\nDV1,phone,EL1,secret-01\nDV2,phone,NOPE,secret-02\n',
    )
    expect(devices.body.rows).toMatchObject([
      { row: 1, id: 'DV1', status: 'created' },
      { row: 2, id: 'DV2', status: 'rejected', reason: expect.stringMatching(/^UNKNOWN_ELDER/) },
    ])
  })

  it('is idempotent: a re-import updates and duplicates nothing', async () => {
    await importCsv('elders', chineseElders)
    const again = await importCsv('elders', chineseElders)
    expect(again.body).toMatchObject({ created: 0, updated: 2, rejected: 0 })
    expect(again.body.rows.every((r) => r.status === 'updated')).toBe(true)
    const list = await world.api<{ items: unknown[] }>('GET', '/api/v1/elders?limit=500')
    expect(list.body.items).toHaveLength(2)
  })

  it('refuses a non-admin, an unknown column and an unknown type', async () => {
    await world.api('PUT', '/api/v1/users/viewer', { role: 'supervisor', password: 'long-enough-pass' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'viewer',
      password: 'long-enough-pass',
    })
    expect((await importCsv('elders', chineseElders, login.body.token)).status).toBe(403)
    expect((await importCsv('elders', 'id,name,shoeSize\nE9,x,42\n')).status).toBe(400)
    expect((await importCsv('pets', chineseElders)).status).toBe(400)
  })

  it('imports 10,000 generated elders with a few bad rows, and plans each one’s first visit', async () => {
    const lines = ['id,name,phone,grid,lat,lon,risk']
    const bad = new Set([17, 4_321, 9_999])
    for (let i = 1; i <= 10_000; i++) {
      const lat = bad.has(i) ? 999 : HOME.lat + (i % 100) / 1000
      lines.push(
        `E${String(i).padStart(5, '0')},Elder ${i},1390000${String(i).padStart(4, '0')},S/C/G${i % 9},${lat},${HOME.lon},low`,
      )
    }
    const started = performance.now()
    const { status, body } = await importCsv('elders', lines.join('\n'))
    const ms = performance.now() - started
    console.warn(`import: 10,000 elder rows in ${Math.round(ms)} ms`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ total: 10_000, created: 9_997, rejected: 3 })
    expect(body.rows.filter((r) => r.status === 'rejected').map((r) => r.row)).toEqual([...bad])
    // (how fast is measured in bench/import-console.ts, not asserted here)
    // every elder imported gets a visit ahead, planned in turns after the import (docs/visits.md)
    const planned = () =>
      (
        world
          .db()
          .prepare("SELECT count(*) AS n FROM visits WHERE kind = 'planned' AND elder_id LIKE 'E0%'")
          .get() as {
          n: number
        }
      ).n
    const imported = () =>
      (world.db().prepare("SELECT count(*) AS n FROM elders WHERE id LIKE 'E0%'").get() as { n: number }).n
    await expect.poll(planned, { timeout: 20_000 }).toBe(imported())

    // Devices cost one scrypt each (machine cost), so a smaller batch keeps the suite quick.
    const devices = ['id,kind,elderId,secret']
    for (let i = 1; i <= 300; i++) {
      const elder = i === 150 ? 'E00017' : `E${String(i).padStart(5, '0')}`
      devices.push(`DEV${i},watch,${elder},secret-${i}-long`)
    }
    const t = performance.now()
    const dev = await importCsv('devices', devices.join('\n'))
    console.warn(`import: 300 device rows in ${Math.round(performance.now() - t)} ms`)
    expect(dev.body).toMatchObject({ total: 300, created: 298, rejected: 2 })
  }, 30_000)
})
