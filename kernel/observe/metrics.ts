import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { counters, gauges, type HistogramName, histograms } from './catalog.ts'

export type Labels = Record<string, string>

/** A gauge's reader: `{'': value}` without a label, `{labelValue: value}` with one. */
interface GaugeRead {
  label?: string
  read: () => Record<string, number>
}

/** One counter: its prom-client metric and the series counted so far (label key → labels and value). */
interface CounterFamily {
  labelNames: readonly string[]
  series: Map<string, { labels: Labels; value: number }>
}

/**
 * Counters, gauges and histograms, named like Prometheus series (`care_mqtt_refused_total{reason="acl"}`),
 * in a prom-client registry of this gateway's own (several gateways may share a process: tests). Exposed
 * at `/api/v1/metrics` with HELP and TYPE (docs/operations.md) and summarised in health.
 *
 * Counters are counted in a plain map (the hot path is one map update, and `get` stays synchronous for
 * code and tests) and copied into their prom-client counter when the registry is read.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly #counters = new Map<string, CounterFamily>()
  readonly #gauges = new Map<string, GaugeRead>()
  readonly #histograms = new Map<HistogramName, Histogram>()
  readonly #beforeScrape: (() => Promise<void>)[] = []
  #processMetrics = false

  constructor() {
    for (const name of Object.keys(counters)) this.#family(name, undefined)
  }

  inc(name: string, labels?: Labels, by = 1): void {
    const family = this.#family(name, labels)
    const key = seriesKey(name, labels)
    const known = family.series.get(key)
    if (known) known.value += by
    else family.series.set(key, { labels: labels ?? {}, value: by })
  }

  /** A gauge read when metrics are rendered. */
  gauge(name: string, read: () => number): void {
    this.#gauges.set(name, { read: () => ({ '': read() }) })
    this.#gaugeMetric(name, undefined, read)
  }

  /** A gauge with one label, read as `{labelValue: value}` when metrics are rendered. */
  gaugeBy(name: string, label: string, read: () => Record<string, number>): void {
    this.#gauges.set(name, { label, read })
    this.#gaugeMetric(name, label, read)
  }

  /**
   * Run before every scrape: a gauge whose source answers asynchronously (a repository) reads it
   * here and keeps it, so the scrape shows it fresh and `get` the value of the last scrape.
   */
  beforeScrape(refresh: () => Promise<void>): void {
    this.#beforeScrape.push(refresh)
  }

  /** One observation of a latency histogram of the catalog, in seconds. */
  observe(name: HistogramName, labels: Labels, seconds: number): void {
    let histogram = this.#histograms.get(name)
    if (!histogram) {
      const doc = histograms[name]
      histogram = new Histogram({
        name,
        help: doc.help,
        labelNames: [...doc.labels],
        buckets: [...doc.buckets],
        registers: [this.registry],
      })
      this.#histograms.set(name, histogram)
    }
    histogram.observe(labels, Math.max(0, seconds))
  }

  /**
   * An alarm's interval between two of its recorded times (domain clock), by its kind; nothing when the
   * interval has no start (an alarm assigned by the centre was never offered to its carer).
   */
  span(name: HistogramName, alarm: { kind: string }, fromMs: number | undefined, toMs: number): void {
    if (fromMs !== undefined) this.observe(name, { kind: alarm.kind }, (toMs - fromMs) / 1000)
  }

  get(name: string, labels?: Labels): number {
    const counted = this.#counters.get(name)?.series.get(seriesKey(name, labels))
    if (counted) return counted.value
    const gauge = this.#gauges.get(name)
    if (!gauge) return 0
    const value = gauge.label === undefined ? (labels ? undefined : '') : labels?.[gauge.label]
    return value === undefined ? 0 : (gauge.read()[value] ?? 0)
  }

  /** Sum of a counter over all its labels. */
  total(name: string): number {
    let sum = 0
    for (const s of this.#counters.get(name)?.series.values() ?? []) sum += s.value
    return sum
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [name, family] of this.#counters) {
      for (const s of family.series.values()) out[seriesKey(name, s.labels)] = s.value
    }
    for (const [name, { label, read }] of this.#gauges) {
      for (const [value, n] of Object.entries(read())) {
        out[label === undefined ? name : seriesKey(name, { [label]: value })] = n
      }
    }
    return out
  }

  /**
   * Process and event-loop metrics (CPU, memory, handles, GC, event-loop lag) on this registry.
   * prom-client keeps its GC observer and loop monitor for the life of the process; `stop()` empties the
   * registry so that they hold nothing of this gateway afterwards.
   */
  start(): void {
    if (this.#processMetrics) return
    this.#processMetrics = true
    collectDefaultMetrics({ register: this.registry })
  }

  stop(): void {
    this.registry.clear()
    this.#histograms.clear()
    this.#processMetrics = false
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition (version 0.0.4) of every series. */
  async text(): Promise<string> {
    // a source that fails keeps its last value; the scrape goes on (as for a gauge that throws)
    await Promise.all(this.#beforeScrape.map((refresh) => refresh().catch(() => undefined)))
    return this.registry.metrics()
  }

  #family(name: string, labels: Labels | undefined): CounterFamily {
    const known = this.#counters.get(name)
    if (known) return known
    const doc = counters[name]
    // a counter missing from the catalog still counts; its labels are those of its first use
    const labelNames = doc ? (doc.labels ?? []) : Object.keys(labels ?? {}).sort()
    const family: CounterFamily = { labelNames, series: new Map() }
    new Counter({
      name,
      help: doc?.help ?? `${name} (no description in the catalog)`,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect(this: Counter) {
        this.reset()
        for (const s of family.series.values()) this.inc(only(s.labels, labelNames), Math.max(0, s.value))
      },
    })
    this.#counters.set(name, family)
    return family
  }

  /** A gauge read at every scrape; one that fails to read shows no value, and the scrape goes on. */
  #gaugeMetric(name: string, label: string | undefined, read: () => number | Record<string, number>): void {
    this.registry.removeSingleMetric(name)
    new Gauge({
      name,
      help: gauges[name]?.help ?? `${name} (no description in the catalog)`,
      labelNames: label === undefined ? [] : [label],
      registers: [this.registry],
      collect(this: Gauge) {
        this.reset()
        let value: number | Record<string, number>
        try {
          value = read()
        } catch {
          return
        }
        if (typeof value === 'number') this.set(value)
        else if (label !== undefined) for (const [v, n] of Object.entries(value)) this.set({ [label]: v }, n)
      },
    })
  }
}

/** The labels a counter was declared with; any other label of a call is left out (its counts add up). */
function only(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {}
  for (const name of names) {
    const value = labels[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

function seriesKey(name: string, labels?: Labels): string {
  if (!labels) return name
  const parts = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
  return parts.length ? `${name}{${parts.join(',')}}` : name
}
