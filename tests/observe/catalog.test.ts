import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { counters, gauges } from '../../kernel/observe/catalog.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { parseExposition, sampleValue } from '../support/exposition.ts'

/** Every counter and gauge the code uses has HELP text and its labels in the catalog. */

const root = resolve(import.meta.dirname, '../..')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

const code = [...sources(join(root, 'gateway')), ...sources(join(root, 'broker'))].map((path) => ({
  path: path.slice(root.length + 1),
  text: readFileSync(path, 'utf8'),
}))

describe('the metrics catalog', () => {
  it('describes every counter the code increments, with the labels it uses', () => {
    const uses: { name: string; labels: string[]; where: string }[] = []
    for (const { path, text } of code) {
      for (const m of text.matchAll(/metrics\.inc\(\s*'([a-z_]+)'\s*(?:,\s*(\{[^}]*\}|undefined))?/g)) {
        const labels = (m[2] ?? '')
          .replace(/^\{|\}$/g, '')
          .split(',')
          .map((part) => part.split(':')[0]?.trim() ?? '')
          .filter((k) => k !== '' && k !== 'undefined')
        uses.push({ name: m[1] ?? '', labels, where: path })
      }
    }
    expect(uses.length).toBeGreaterThan(30)
    for (const use of uses) {
      const doc = counters[use.name]
      expect(doc, `${use.name} in ${use.where}`).toBeDefined()
      for (const label of use.labels) expect(doc?.labels ?? [], `${use.name}{${label}}`).toContain(label)
    }
  })

  it('describes every gauge the code registers', () => {
    const names = code.flatMap(({ text }) =>
      [...text.matchAll(/metrics\.gauge(?:By)?\(\s*'([a-z_]+)'/g)].map((m) => m[1] ?? ''),
    )
    expect(names).toContain('care_history_outbox_depth')
    for (const name of names) expect(gauges[name], name).toBeDefined()
  })
})

describe('Metrics', () => {
  it('never breaks the scrape: an undeclared counter or label, a gauge that throws', async () => {
    const metrics = new Metrics()
    metrics.inc('care_uplinks_total', { topic: 'sos', extra: 'x' })
    metrics.inc('care_uplinks_total', { topic: 'sos' })
    metrics.inc('care_not_in_catalog_total', { why: 'new' }, 2)
    metrics.gauge('care_mqtt_connections', () => {
      throw new Error('closed')
    })
    metrics.gauge('care_carers_on_duty', () => 3)
    const families = parseExposition(await metrics.text())
    // the undeclared label is left out of the exposition and its count joins the declared series
    expect(sampleValue(families, 'care_uplinks_total', 'care_uplinks_total', { topic: 'sos' })).toBe(2)
    expect(metrics.get('care_uplinks_total', { topic: 'sos' })).toBe(1)
    expect(metrics.total('care_uplinks_total')).toBe(2)
    expect(
      sampleValue(families, 'care_not_in_catalog_total', 'care_not_in_catalog_total', { why: 'new' }),
    ).toBe(2)
    expect(families.get('care_not_in_catalog_total')?.help).toContain('no description')
    expect(sampleValue(families, 'care_carers_on_duty', 'care_carers_on_duty')).toBe(3)
    expect(metrics.get('care_carers_on_duty')).toBe(3)
    // a counter declared without labels shows 0 before anything happened, so rate() has a start
    expect(sampleValue(families, 'care_timer_errors_total', 'care_timer_errors_total')).toBe(0)
  })

  it('reads labelled gauges through get and snapshot', () => {
    const metrics = new Metrics()
    metrics.gaugeBy('care_alarms_open', 'state', () => ({ open: 2, offered: 1 }))
    expect(metrics.get('care_alarms_open', { state: 'open' })).toBe(2)
    expect(metrics.get('care_alarms_open', { state: 'arrived' })).toBe(0)
    expect(metrics.snapshot()).toMatchObject({
      'care_alarms_open{state="open"}': 2,
      'care_alarms_open{state="offered"}': 1,
    })
  })
})
