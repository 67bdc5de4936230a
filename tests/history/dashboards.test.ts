import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INFLUXD, type Influx1, missingServer, startInflux1 } from '../support/tsdb.ts'
import { districtLines, expected, T0 } from './fixture.ts'

// every InfluxQL query of every dashboard runs on a real InfluxDB and gives the known numbers
const skip = missingServer(INFLUXD)
const dir = join(import.meta.dirname, '../../dashboards/grafana')

interface Panel {
  title: string
  targets?: { refId: string; query?: string; rawQuery?: boolean }[]
}

const panels: { file: string; panel: Panel }[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: Panel[] }
    return dashboard.panels.map((panel) => ({ file, panel }))
  })

/** Grafana's macros, as Grafana expands them for InfluxQL: a time range in ms, a GROUP BY interval. */
function expand(query: string, from: number, to: number): string {
  return query
    .replaceAll('$timeFilter', `time >= ${from}ms AND time <= ${to}ms`)
    .replaceAll('$__interval', '1h')
}

describe('dashboards', () => {
  it('have panels, each with a raw InfluxQL query and an expectation in this test', () => {
    expect(panels.length).toBeGreaterThan(5)
    for (const { panel } of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const t of panel.targets ?? [])
        expect(t.rawQuery && typeof t.query === 'string', panel.title).toBe(true)
      expect(Object.keys(expected), 'every panel has expected numbers').toContain(panel.title)
    }
  })
})

describe.skipIf(skip !== undefined)(`dashboards on InfluxDB 1.6${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let influx: Influx1
  beforeAll(async () => {
    influx = await startInflux1()
    await influx.write('care', `${districtLines().join('\n')}\n`)
  }, 30_000)
  afterAll(async () => {
    await influx?.stop()
  })

  for (const { file, panel } of panels) {
    for (const target of panel.targets ?? []) {
      it(`${file}: ${panel.title} (${target.refId})`, async () => {
        const q = expand(target.query ?? '', T0 - 3_600_000, T0 + 24 * 3_600_000)
        const answer = await influx.query('care', q)
        expect(answer.error, q).toBeUndefined()
        const result = answer.results[0]
        expect(result?.error, q).toBeUndefined()
        const series = result?.series ?? []
        expect(series.length, `no data: ${q}`).toBeGreaterThan(0)
        const got: Record<string, Record<string, number>> = {}
        for (const s of series) {
          const key = Object.values(s.tags ?? {}).join('/')
          const sums: Record<string, number> = {}
          s.columns.forEach((column, i) => {
            if (column === 'time') return
            sums[column] = s.values.reduce((sum, row) => sum + (typeof row[i] === 'number' ? row[i] : 0), 0)
          })
          got[key] = sums
        }
        expect(got).toEqual(expected[panel.title])
      })
    }
  }
})
