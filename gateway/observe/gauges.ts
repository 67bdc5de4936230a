import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { StatsQueries } from '../stats/queries.ts'

/** What the operators' gauges read, each at scrape time (docs/operations.md, "Metrics"). */
export interface GaugeSources {
  broker: { readonly connections: number }
  carers: { onDutyCount(): number }
  alarms: Pick<StatsQueries, 'openByState'>
}

/** The gauges of the parts the composition root wires: connections, open alarms by state, carers on duty. */
export function watchGauges(metrics: Metrics, sources: GaugeSources): void {
  metrics.gauge('care_mqtt_connections', () => sources.broker.connections)
  metrics.gaugeBy('care_alarms_open', 'state', () => sources.alarms.openByState())
  metrics.gauge('care_carers_on_duty', () => sources.carers.onDutyCount())
}
