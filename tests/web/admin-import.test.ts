import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import writeXlsx from 'write-excel-file/node'
import { XLSX_TYPE } from '../../dashboards/src/admin/import-file.ts'
import { pace, rate } from '../../dashboards/src/admin/import-pace.ts'
import { idColumnOf, linedUp, rejectedRecords } from '../../dashboards/src/admin/import-rejected.ts'
import { HOME, startWorld, type World } from '../support/world.ts'
import { type Browsing, haveChromium, launch, login, mustRun, screenshot, user } from './support/browser.ts'

/** A CSV line as a spreadsheet writes one: quoted only where a cell needs it. */
const line = (cells: readonly string[]) =>
  cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')

const HEADER = [
  '编号',
  '姓名',
  '电话',
  '地址',
  '网格',
  '纬度',
  '经度',
  '风险等级',
  '备注',
  '紧急联系人',
  '围栏半径',
]
const HTML_NAME = '<img src=x onerror=alert(1)>王<b>秀兰</b>'
const FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
const GOOD_LAT = String(HOME.lat)
const GOOD_LON = String(HOME.lon)

const elderId = (n: number) => `E${String(n).padStart(4, '0')}`

function elderRow(n: number): string[] {
  return [
    elderId(n),
    n === 3 ? HTML_NAME : `老人${n}`,
    `139${String(n).padStart(8, '0')}`,
    `海丰街${n}号`,
    '海丰街道/东关社区/G03',
    (HOME.lat + (n % 50) * 1e-4).toFixed(6),
    (HOME.lon + (n % 40) * 1e-4).toFixed(6),
    ['高', '中', '低', '基本安全'][n % 4] ?? '中',
    n % 7 === 0 ? '独居' : '',
    n % 5 === 0 ? '李明:儿子:13900000002' : '',
    '300',
  ]
}

/**
 * Ten bad rows of different kinds, by their data row number: how each is spoiled, what the report
 * says of it (its reason's start), and how the person fixes it in the downloaded file (cells after the
 * reason column, header order).
 */
const col = (name: string) => HEADER.indexOf(name)
const BAD: Record<
  number,
  { spoil: (r: string[]) => string[]; says: string; fix: (r: string[]) => string[] }
> = {
  7: {
    spoil: (r) => set(set(r, '纬度', '200'), '姓名', `${HTML_NAME}<script>x</script>`),
    says: 'home.lat:',
    fix: (r) => set(r, '纬度', GOOD_LAT),
  },
  15: { spoil: (r) => set(r, '姓名', ''), says: 'name:', fix: (r) => set(r, '姓名', '补录姓名') },
  150: {
    spoil: (r) => set(r, '编号', elderId(100)),
    says: 'duplicate id: already in row 100',
    fix: (r) => set(r, '编号', 'E9150'),
  },
  300: { spoil: (r) => set(r, '编号', 'E 300'), says: 'id:', fix: (r) => set(r, '编号', elderId(300)) },
  450: {
    spoil: (r) => set(r, '纬度', '北纬三十七度'),
    says: 'home.lat:',
    fix: (r) => set(r, '纬度', GOOD_LAT),
  },
  600: { spoil: (r) => set(r, '经度', ''), says: 'home.lon:', fix: (r) => set(r, '经度', GOOD_LON) },
  800: { spoil: (r) => set(r, '风险等级', '很高'), says: 'risk:', fix: (r) => set(r, '风险等级', '高') },
  1000: {
    spoil: (r) => set(set(r, '围栏半径', '5'), '姓名', FORMULA_NAME),
    says: 'fence.radiusM:',
    fix: (r) => set(r, '围栏半径', '300'),
  },
  1500: {
    spoil: (r) => [...r, '多余的格'],
    says: '12 cells but 11 columns',
    fix: (r) => r.slice(0, HEADER.length),
  },
  1999: {
    spoil: (r) => set(r, '电话', '请打给我'),
    says: 'phone:',
    fix: (r) => set(r, '电话', '13900001999'),
  },
}
const BAD_ROWS = Object.keys(BAD).map(Number)

function set(row: readonly string[], header: string, value: string): string[] {
  const out = [...row]
  out[col(header)] = value
  return out
}

/** 2,000 elders with the ten bad rows above, Chinese headers, a BOM and CRLF as Excel's "CSV UTF-8" writes. */
function eldersCsv(): string {
  const rows = [HEADER]
  for (let n = 1; n <= 2_000; n++) rows.push(BAD[n]?.spoil(elderRow(n)) ?? elderRow(n))
  return `\ufeff${rows.map(line).join('\r\n')}\r\n`
}

async function elderCount(world: World): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const res = await world.api<{ items: unknown[]; next?: string }>(
      'GET',
      `/api/v1/elders?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    )
    count += res.body.items.length
    cursor = res.body.next
  } while (cursor)
  return count
}

const stage = (page: Page) => page.locator('#import').getAttribute('data-stage')
const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? ''

async function choose(page: Page, name: string, body: string, mimeType = 'text/csv'): Promise<void> {
  await page.setInputFiles('#import-file', { name, mimeType, buffer: Buffer.from(body, 'utf8') })
}

/** Runs the previewed file and waits for the report; the progress bar shows while it runs. */
async function run(page: Page, timeout: number): Promise<void> {
  await page.click('#import-run')
  // the page shows the job running until its first read of the progress, POLL_MS later
  await page.waitForSelector('#import[data-stage=running] progress#import-bar')
  await expect.poll(() => stage(page), { timeout }).toBe('done')
}

describe('the rejected rows given back to fix', () => {
  const words = {
    reasonHeader: '错误原因',
    idHeader: '编号',
    rowReason: (row: number, reason: string) => `第${row}行：${reason}`,
  }
  const records = [
    ['编号', '姓名', '纬度'],
    ['E001', '甲', '37.1'],
    ['E002', '乙', '200'],
    ['E003', '丙', '37.3', 'extra'],
  ]
  const report = {
    total: 3,
    rows: [
      { row: 1, id: 'E001', status: 'created' as const },
      { row: 2, id: 'E002', status: 'rejected' as const, reason: 'home.lat: Too big' },
      { row: 3, status: 'rejected' as const, reason: '4 cells but 3 columns' },
    ],
  }
  const rejected = report.rows.filter((r) => r.status === 'rejected')

  it('keeps the original cells, the reason first so a row with cells too many keeps it under its header', () => {
    const originals = { records, idColumn: idColumnOf(records[0] ?? []) }
    expect(rejectedRecords(originals, rejected, words)).toEqual([
      ['错误原因', '编号', '姓名', '纬度'],
      ['第2行：home.lat: Too big', 'E002', '乙', '200'],
      ['第3行：4 cells but 3 columns', 'E003', '丙', '37.3', 'extra'],
    ])
  })

  it('falls back to ids and reasons when the rows read in the page are not the rows reported', () => {
    expect(linedUp(records, 0, report)).toBe(true)
    expect(linedUp(records.slice(0, 3), 0, report)).toBe(false)
    const shifted = [records[0] ?? [], records[2] ?? [], records[1] ?? [], records[3] ?? []]
    expect(linedUp(shifted, 0, report)).toBe(false)
    expect(rejectedRecords({ missing: 'mismatch' }, rejected, words)).toEqual([
      ['错误原因', '编号'],
      ['第2行：home.lat: Too big', 'E002'],
      ['第3行：4 cells but 3 columns', ''],
    ])
  })

  it('estimates rows a second and the time left from what the job has done in the time it spent', () => {
    expect(pace({ total: 300, done: 0, elapsedMs: 900 })).toEqual({})
    expect(pace({ total: 300, done: 100, elapsedMs: 2_000 })).toEqual({ perSecond: 50, leftMs: 4_000 })
    expect(rate(3.14)).toBe('3.1')
    expect(rate(61.6)).toBe('62')
  })
})

describe.skipIf(!haveChromium && !mustRun)('the import section of the admin console in Chromium', () => {
  let world: World
  let browsing: Browsing
  let context: BrowserContext
  let base = ''

  beforeAll(async () => {
    world = await startWorld()
    browsing = await launch()
    await user(world, 'boss', { role: 'admin' })
    base = `http://127.0.0.1:${world.app.httpPort}`
    context = await browsing.browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    })
  })

  afterAll(async () => {
    await browsing?.close()
    await world?.stop()
  })

  async function importPage(): Promise<Page> {
    const page = await login(context, world, 'boss')
    await page.goto(`${base}/admin#/import`)
    await page.waitForSelector('#import[data-stage=empty]')
    return page
  }

  it('imports 2,000 elders with ten bad rows, gives those rows back with reasons, and takes them fixed', async () => {
    const page = await importPage()
    await choose(page, 'elders.csv', eldersCsv())
    await expect.poll(() => stage(page)).toBe('preview')

    // the mapping: each Chinese header and the field it fills
    const mapping = page.locator('#import-mapping tbody tr')
    expect(await mapping.count()).toBe(HEADER.length)
    expect(await page.locator('#import-mapping tr[data-field="home.lat"] td').first().textContent()).toBe(
      '纬度',
    )
    expect(await page.locator('#import-mapping tr[data-field="home.lat"] td').nth(1).textContent()).toContain(
      'home.lat',
    )
    expect(await page.locator('#import-mapping tr.unknown').count()).toBe(0)
    // the first 20 rows checked, row 7 refused with its reason, the HTML name shown as text
    expect(await page.locator('#import-sample tbody tr').count()).toBe(20)
    expect(await page.locator('#import-sample tr[data-row="7"]').getAttribute('data-valid')).toBe('false')
    expect(await text(page, '#import-sample tr[data-row="7"]')).toContain('home.lat')
    expect(await page.locator('#import-sample tr[data-row="15"]').getAttribute('data-valid')).toBe('false')
    await expect.poll(() => text(page, '#import-sample tr[data-row="3"]')).toContain(HTML_NAME)
    expect(await page.locator('#import img, #import b, #import script').count()).toBe(0)

    await run(page, 60_000)
    // the bar stays, full, above the report
    const bar = (p: unknown) => [(p as { value: number }).value, (p as { max: number }).max]
    expect(await page.locator('#import-bar').evaluate(bar)).toEqual([2_000, 2_000])
    expect(await text(page, '[data-count=total]')).toBe('共 2000 行')
    expect(await text(page, '[data-count=created]')).toBe('新增 1990')
    expect(await text(page, '[data-count=rejected]')).toBe('有误 10')
    const listed = await page
      .locator('#import-rejected tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-row'))))
    expect(listed).toEqual(BAD_ROWS)
    for (const n of BAD_ROWS) {
      expect(await text(page, `#import-rejected tr[data-row="${n}"] td.reason`), `row ${n}`).toContain(
        BAD[n]?.says,
      )
    }
    expect(await text(page, '#import-rejected tr[data-row="7"]')).toContain(`${HTML_NAME}<script>x</script>`)
    expect(await page.locator('#import img, #import b, #import script').count()).toBe(0)
    await screenshot(page, 'admin-import-zh', true)

    // the download: exactly those rows, their own cells, the reason first, formulas made inert
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-download')])
    const csv = readFileSync(await download.path(), 'utf8')
    expect(csv.startsWith('\ufeff')).toBe(true)
    const [header, ...rows] = parse(csv, { bom: true, relax_column_count: true }) as string[][]
    expect(header).toEqual(['错误原因', ...HEADER])
    expect(rows.map((r) => Number(/^第(\d+)行：/.exec(r[0] ?? '')?.[1]))).toEqual(BAD_ROWS)
    for (const r of rows) {
      const n = Number(/^第(\d+)行：/.exec(r[0] ?? '')?.[1])
      expect(r[0]).toContain(BAD[n]?.says)
      const original = BAD[n]?.spoil(elderRow(n)) ?? []
      expect(r.slice(1), `row ${n}`).toEqual(
        n === 1000 ? set(original, '姓名', `'${FORMULA_NAME}`) : original,
      )
    }
    expect(await elderCount(world)).toBe(1_990)

    // fixed in the downloaded file and imported again: the reason column is ignored, the ten are created
    const fixed = [
      header ?? [],
      ...rows.map((r) => {
        const n = Number(/^第(\d+)行：/.exec(r[0] ?? '')?.[1])
        return [r[0] ?? '', ...(BAD[n]?.fix(r.slice(1)) ?? [])]
      }),
    ]
    await choose(page, 'elders.rejected.csv', `\ufeff${fixed.map(line).join('\r\n')}\r\n`)
    await expect.poll(() => stage(page)).toBe('preview')
    expect(await text(page, '#import-mapping tbody tr:first-child')).toContain('忽略')
    await run(page, 30_000)
    expect(await text(page, '[data-count=created]')).toBe('新增 10')
    expect(await text(page, '[data-count=rejected]')).toBe('有误 0')
    expect(await page.locator('#import-all-good').count()).toBe(1)
    expect(await elderCount(world)).toBe(2_000)
    await page.close()
  }, 120_000)

  it('shows a device import running: rows done, rows a second and the time left, also after a reload', async () => {
    await world.elder('EDEV1')
    const rows = [['id', 'kind', 'elderId', 'secret']]
    for (let i = 1; i <= 400; i++)
      rows.push([`DEV${String(i).padStart(4, '0')}`, '手表', 'EDEV1', `secret-dev-${i}`])
    rows.push(['DEVBAD', 'watch', 'NOBODY', 'secret-dev-bad'])
    const page = await importPage()
    await page.selectOption('#import-type', 'devices')
    await choose(page, 'devices.csv', `${rows.map(line).join('\n')}\n`)
    await expect.poll(() => stage(page)).toBe('preview')
    expect(await text(page, '#import-mapping tr[data-field=secret]')).toContain('密钥')
    await page.click('#import-run')
    // scrypt per secret, four at a time: over a second for 400 rows even on a fast machine, and the page
    // reads the progress twice a second; the time left is shown only while the job runs
    await expect
      .poll(async () => [await text(page, '#import-rate'), await text(page, '#import-left')], {
        timeout: 60_000,
      })
      .toEqual([expect.stringMatching(/^\d+(\.\d)? 行\/秒$/), expect.stringMatching(/^预计剩余 \d/)])
    expect(await text(page, '#import-done')).toMatch(/^已处理 \d+ \/ 401 行$/)

    // the hash names the job: a reload follows it to its end, without the file
    expect(new URL(page.url()).hash).toMatch(/^#\/import\/[0-9a-f-]{36}$/)
    await page.reload()
    await expect.poll(() => stage(page), { timeout: 120_000 }).toBe('done')
    expect(await text(page, '[data-count=created]')).toBe('新增 400')
    expect(await text(page, '[data-count=rejected]')).toBe('有误 1')
    expect(await text(page, '#import-elapsed')).toMatch(/^用时 /)
    expect(await text(page, '#import-download-note')).toContain('页面已刷新')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-download')])
    expect(parse(readFileSync(await download.path(), 'utf8'), { bom: true })).toEqual([
      ['错误原因', '编号'],
      [expect.stringMatching(/^第401行：UNKNOWN_ELDER: /), 'DEVBAD'],
    ])
    await page.close()
  }, 180_000)

  it('sends a workbook as it is and gives its rejected rows back with their cells', async () => {
    const sheet: (string | number | null)[][] = [['编号', '姓名', '电话', '纬度', '经度']]
    for (let i = 1; i <= 30; i++)
      sheet.push([`X${String(i).padStart(3, '0')}`, `老人${i}`, 13900000000 + i, HOME.lat, HOME.lon])
    sheet.push([null, null, null, null, null])
    sheet.push(['X031', HTML_NAME, 13900000031, 95, HOME.lon])
    const file = await writeXlsx(sheet).toBuffer()
    const page = await importPage()
    const sent = page.waitForRequest((r) => r.url().includes('/api/v1/import/preview'))
    await page.setInputFiles('#import-file', { name: '名单.xlsx', mimeType: XLSX_TYPE, buffer: file })
    expect((await sent).headers()['content-type']).toBe(XLSX_TYPE)
    await expect.poll(() => stage(page)).toBe('preview')
    await expect.poll(() => text(page, '#import-sample tr[data-row="1"]')).toContain('13900000001')
    await run(page, 30_000)
    expect(await text(page, '[data-count=created]')).toBe('新增 30')
    expect(await text(page, '#import-rejected tr[data-row="31"]')).toContain(HTML_NAME)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-download')])
    const rows = parse(readFileSync(await download.path(), 'utf8'), { bom: true }) as string[][]
    expect(rows).toEqual([
      ['错误原因', '编号', '姓名', '电话', '纬度', '经度'],
      [
        expect.stringMatching(/^第31行：home\.lat: /),
        'X031',
        HTML_NAME,
        '13900000031',
        '95',
        String(HOME.lon),
      ],
    ])
    await page.close()
  })

  it('speaks English second', async () => {
    const page = await login(context, world, 'boss', 'en')
    await page.goto(`${base}/admin#/import`)
    await page.waitForSelector('#import[data-stage=empty]')
    expect(await text(page, '.import-title')).toBe('Import')
    expect(await text(page, '#tab-import')).toBe('Import')
    await choose(page, 'notes.pdf', '%PDF-1.4', 'application/pdf')
    await expect.poll(() => text(page, '#import-error')).toContain('Only CSV or Excel (.xlsx) files')
    await page.close()
  })

  it('says clearly why a file cannot be imported', async () => {
    const page = await importPage()
    await choose(page, '说明.pdf', '%PDF-1.4', 'application/pdf')
    await expect.poll(() => stage(page)).toBe('unsupported')
    expect(await text(page, '#import-error')).toContain('只能导入 CSV 或 Excel（.xlsx）文件')

    await choose(page, 'shoes.csv', '编号,姓名,鞋码\nE001,张三,42\n')
    await expect.poll(() => stage(page)).toBe('preview')
    expect(await text(page, '#import-mapping tr.unknown')).toContain('unknown column "鞋码" for elders')
    expect(await page.locator('#import-run').count()).toBe(0)

    await choose(page, 'broken.csv', 'id,name,lat,lon\n"E001,张三,37,117\n')
    await expect.poll(() => stage(page)).toBe('refused')
    expect(await text(page, '#import-error')).toMatch(/BAD_REQUEST: not readable as CSV/)
    await page.close()
  })
})
