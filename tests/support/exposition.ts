/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws on
 * anything a scraper could misread — a sample before its family's `# TYPE`, a family typed twice or
 * interleaved with another, a malformed label set or value, histogram buckets that are not cumulative,
 * or a histogram without `_sum`, `_count` or a `+Inf` bucket equal to the count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: MetricType
  help?: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

const suffixes: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const helps = new Map<string, string>()
  let current: Family | undefined
  const lines = text.split('\n')
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline')
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`
    if (line === '') return
    if (line.startsWith('# HELP ')) {
      const [name = '', ...rest] = line.slice(7).split(' ')
      if (!NAME.test(name)) throw new Error(`bad metric name in HELP, ${where}`)
      if (helps.has(name)) throw new Error(`second HELP for ${name}, ${where}`)
      helps.set(name, rest.join(' '))
      return
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = '', extra] = line.slice(7).split(' ')
      if (!NAME.test(name) || !TYPES.has(type) || extra !== undefined) throw new Error(`bad TYPE, ${where}`)
      if (families.has(name)) throw new Error(`second TYPE for ${name}, ${where}`)
      current = { name, type: type as MetricType, samples: [] }
      const help = helps.get(name)
      if (help !== undefined) current.help = help
      families.set(name, current)
      return
    }
    if (line.startsWith('#')) return
    const sample = parseSample(line, where)
    const family = current
    if (!family) throw new Error(`sample before any TYPE, ${where}`)
    const suffix = sample.name.slice(family.name.length)
    if (!sample.name.startsWith(family.name) || !suffixes[family.type].includes(suffix))
      throw new Error(`sample ${sample.name} is not part of the family ${family.name} typed above, ${where}`)
    family.samples.push(sample)
  })
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family)
  }
  return families
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line)
  if (!m) throw new Error(`not a sample, ${where}`)
  const value = parseValue(m[4] ?? '', where)
  return { name: m[1] ?? '', labels: m[3] ? parseLabels(m[3], where) : {}, value }
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  // the format takes values as Go's ParseFloat reads them, which ignores case: the format's own text
  // writes `Nan`, and that is what prom-client prints
  if (/^nan$/i.test(text)) return Number.NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}, ${where}`)
  return Number(text)
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    const name = text.slice(i, eq)
    if (eq < 0 || !LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`bad label, ${where}`)
    let value = ''
    let j = eq + 2
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] !== '\\') {
        value += text[j]
        continue
      }
      const next = text[++j]
      if (next === 'n') value += '\n'
      else if (next === '\\' || next === '"') value += next
      else throw new Error(`bad escape in a label value, ${where}`)
    }
    if (j >= text.length) throw new Error(`unterminated label value, ${where}`)
    if (name in labels) throw new Error(`label ${name} twice, ${where}`)
    labels[name] = value
    i = j + 1
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected a comma between labels, ${where}`)
      i++
    }
  }
  return labels
}

/** The series of a histogram: every label but `le`, as one key. */
function seriesOf(labels: Record<string, string>): string {
  const { le: _le, ...rest } = labels
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>()
  for (const s of family.samples) {
    const key = seriesOf(s.labels)
    const entry = series.get(key) ?? { buckets: [] }
    series.set(key, entry)
    if (s.name.endsWith('_bucket')) {
      const le = s.labels.le
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`)
      entry.buckets.push([parseValue(le, `${family.name} le`), s.value])
    } else if (s.name.endsWith('_sum')) entry.sum = s.value
    else entry.count = s.value
  }
  for (const [key, { buckets, sum, count }] of series) {
    const name = `${family.name}${key}`
    if (sum === undefined || count === undefined) throw new Error(`${name}: _sum or _count missing`)
    let previous = -1
    let bound = Number.NEGATIVE_INFINITY
    for (const [le, n] of buckets) {
      if (le <= bound) throw new Error(`${name}: buckets not in increasing order of le`)
      if (n < previous)
        throw new Error(`${name}: bucket le=${le} holds fewer than the one below (not cumulative)`)
      bound = le
      previous = n
    }
    const last = buckets.at(-1)
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${name}: no +Inf bucket`)
    if (last[1] !== count) throw new Error(`${name}: the +Inf bucket (${last[1]}) is not _count (${count})`)
  }
}

/** The value of one sample of a family, by its exact name and labels; undefined when absent. */
export function sampleValue(
  families: Map<string, Family>,
  family: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
  const found = families
    .get(family)
    ?.samples.find(
      (s) =>
        s.name === name &&
        JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))) === want,
    )
  return found?.value
}
