import type { Metrics } from '../../kernel/observe/metrics.ts'

/** The states of an alarm not yet closed, each a series of `care_alarms_open`. */
const openStates = ['open', 'offered', 'accepted', 'arrived'] as const

/** What the operators' gauges read, each at scrape time (docs/operations.md, "Metrics"). */
export interface GaugeSources {
  broker: { readonly connections: number }
  /** The watch listener, when there is one. */
  watches?: { readonly connections: number } | undefined
  carers: { onDutyCount(): number }
  /** Open alarms by state, from the alarm wing's repository. */
  alarms: { openByState(): Promise<Partial<Record<string, number>>> }
}

/** The gauges of the parts the composition root wires: connections, open alarms by state, carers on duty. */
export function watchGauges(metrics: Metrics, sources: GaugeSources): void {
  metrics.gauge('care_mqtt_connections', () => sources.broker.connections)
  const watches = sources.watches
  if (watches) metrics.gauge('care_watch_connections', () => watches.connections)
  // the repository answers asynchronously: read before each scrape, and once now
  let open: Record<string, number> = Object.fromEntries(openStates.map((s) => [s, 0]))
  const refresh = async () => {
    const byState = await sources.alarms.openByState()
    open = Object.fromEntries(openStates.map((s) => [s, byState[s] ?? 0]))
  }
  metrics.beforeScrape(refresh)
  refresh().catch(() => undefined)
  metrics.gaugeBy('care_alarms_open', 'state', () => open)
  metrics.gauge('care_carers_on_duty', () => sources.carers.onDutyCount())
}
