import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import writeXlsx from 'write-excel-file/node'
import { XLSX_TYPE } from '../../gateway/registry/import/tables.ts'
import { ADMIN_TOKEN, HOME, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

type Cell = string | number | null

/** A workbook as a spreadsheet program writes one: numbers as numbers, empty cells as nothing. */
function workbook(rows: Cell[][]): Promise<Buffer> {
  return writeXlsx(rows).toBuffer()
}

async function post(url: string, body: Buffer) {
  const res = await world.app.surface.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { 'content-type': XLSX_TYPE, authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: body,
  })
  return { status: res.statusCode, body: res.json() }
}

const header = ['编号', '姓名', '电话', '地址', '网格', '纬度', '经度', '风险等级', '紧急联系人', '围栏半径']

describe('importing an Excel workbook (.xlsx)', () => {
  it('reads the first sheet with Chinese headers; numeric cells keep their digits, and a bad row is reported alone', async () => {
    const file = await workbook([
      header,
      [
        'E001',
        '张秀英',
        13900000001,
        '海丰街12号',
        '海丰街道/东关社区/G03',
        HOME.lat,
        HOME.lon,
        '高',
        '李明:儿子:13900000002',
        300,
      ],
      [null, null, null, null, null, null, null, null, null, null],
      ['E002', '刘桂兰', null, null, '海丰街道/东关社区/G03', 999, HOME.lon, '低', null, null],
      ['E003', '王淑珍', '0543-3211234', null, null, HOME.lat, HOME.lon, '基本安全', null, null],
    ])
    const { status, body } = await post('/import?type=elders', file)
    expect(status).toBe(200)
    expect(body).toMatchObject({ type: 'elders', total: 3, created: 2, rejected: 1 })
    expect(body.rows).toEqual([
      { row: 1, id: 'E001', status: 'created' },
      { row: 2, id: 'E002', status: 'rejected', reason: 'home.lat: Too big: expected number to be <=90' },
      { row: 3, id: 'E003', status: 'created' },
    ])
    const elder = await world.api('GET', '/api/v1/elders/E001')
    expect(elder.body).toMatchObject({
      name: '张秀英',
      phone: '13900000001',
      grid: ['海丰街道', '东关社区', 'G03'],
      home: HOME,
      risk: 'high',
      fence: { radiusM: 300 },
      contacts: [{ name: '李明', relation: '儿子', phone: '13900000002' }],
    })
    expect((await world.api('GET', '/api/v1/elders/E003')).body).toMatchObject({ phone: '0543-3211234' })
  })

  it('previews a workbook and runs it as a job, as it does a CSV', async () => {
    const rows: Cell[][] = [['id', 'name', 'lat', 'lon']]
    for (let i = 1; i <= 30; i++)
      rows.push([`W${String(i).padStart(3, '0')}`, `Elder ${i}`, HOME.lat, HOME.lon])
    rows.push(['W031', 'Elder 31', 'north', HOME.lon])
    const file = await workbook(rows)

    const preview = await post('/import/preview?type=elders', file)
    expect(preview.status).toBe(200)
    expect(preview.body).toMatchObject({
      type: 'elders',
      total: 31,
      columns: [
        { header: 'id', field: 'id' },
        { header: 'name', field: 'name' },
        { header: 'lat', field: 'home.lat' },
        { header: 'lon', field: 'home.lon' },
      ],
    })
    expect(preview.body.rows).toHaveLength(20)
    expect(preview.body.rows[0]).toEqual({ row: 1, id: 'W001', valid: true })
    expect((await world.api('GET', '/api/v1/elders/W001')).status).toBe(404)

    const started = await post('/import/jobs?type=elders', file)
    expect(started.status).toBe(202)
    const id = started.body.id as string
    await expect
      .poll(async () => (await world.api('GET', `/api/v1/import/jobs/${id}`)).body.state)
      .toBe('done')
    const report = await world.api<{ rows: { row: number }[] }>('GET', `/api/v1/import/jobs/${id}/report`)
    expect(report.body).toMatchObject({ total: 31, created: 30, rejected: 1 })
    expect(report.body.rows.at(-1)).toMatchObject({ row: 31, id: 'W031', status: 'rejected' })
  })

  it('refuses bytes that are not a workbook with a clear 400, and an unknown column as a CSV would', async () => {
    const garbage = await post('/import?type=elders', Buffer.from('id,name\nE1,not a workbook\n'))
    expect(garbage.status).toBe(400)
    expect(garbage.body.error.code).toBe('BAD_REQUEST')
    expect(garbage.body.error.message).toMatch(/^not readable as an Excel workbook \(\.xlsx\)/)

    const unknown = await post(
      '/import?type=elders',
      await workbook([
        ['id', 'shoe size'],
        ['E009', 42],
      ]),
    )
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toBe('unknown column "shoe size" for elders')
    expect((await world.api('GET', '/api/v1/elders/E009')).status).toBe(404)
  })
})
