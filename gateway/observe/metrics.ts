/**
 * Counters and gauges, named like Prometheus series (`care_mqtt_refused_total{reason="acl"}`).
 * Exposed at `/api/v1/metrics` as text and summarised in health.
 */
export class Metrics {
  readonly #counters = new Map<string, number>()
  readonly #gauges = new Map<string, () => number>()

  inc(name: string, labels?: Record<string, string>, by = 1): void {
    const key = seriesKey(name, labels)
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + by)
  }

  /** A gauge read when metrics are rendered. */
  gauge(name: string, read: () => number): void {
    this.#gauges.set(name, read)
  }

  get(name: string, labels?: Record<string, string>): number {
    const key = seriesKey(name, labels)
    return this.#counters.get(key) ?? this.#gauges.get(key)?.() ?? 0
  }

  /** Sum of a counter over all its labels. */
  total(name: string): number {
    let sum = 0
    for (const [key, value] of this.#counters) {
      if (key === name || key.startsWith(`${name}{`)) sum += value
    }
    return sum
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [key, value] of this.#counters) out[key] = value
    for (const [key, read] of this.#gauges) out[key] = read()
    return out
  }

  render(): string {
    const lines: string[] = []
    for (const [key, value] of Object.entries(this.snapshot()).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`${key} ${value}`)
    }
    return `${lines.join('\n')}\n`
  }
}

function seriesKey(name: string, labels?: Record<string, string>): string {
  if (!labels) return name
  const parts = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
  return parts.length ? `${name}{${parts.join(',')}}` : name
}
