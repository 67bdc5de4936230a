import { h } from '../shared/dom.ts'
import { type Key, t } from '../shared/i18n.ts'
import type { Figures, Rate } from './stats.ts'

export function pct(r: Rate | undefined): string {
  if (!r || r.rate === null) return '—'
  return `${(r.rate * 100).toFixed(1)}%`
}

export function mins(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${(ms / 60_000).toFixed(1)} min`
}

/** The KPI columns, shared by the cards and the drill-down table so both say the same thing. */
export const columns: { key: Key; value: (f: Figures) => string; detail?: (f: Figures) => string }[] = [
  { key: 'kpiAlarms', value: (f) => String(f.alarms) },
  { key: 'kpiAcceptMedian', value: (f) => mins(f.acceptMs.median), detail: (f) => `n=${f.acceptMs.n}` },
  { key: 'kpiAcceptP90', value: (f) => mins(f.acceptMs.p90) },
  { key: 'kpiArriveMedian', value: (f) => mins(f.arriveMs.median), detail: (f) => `n=${f.arriveMs.n}` },
  { key: 'kpiArriveP90', value: (f) => mins(f.arriveMs.p90) },
  { key: 'kpiOnTime', value: (f) => pct(f.onTime), detail: (f) => `${f.onTime.count}/${f.onTime.of}` },
  {
    key: 'kpiCompleted',
    value: (f) => pct(f.completed),
    detail: (f) => `${f.completed.count}/${f.completed.of}`,
  },
  {
    key: 'kpiEscalated',
    value: (f) => pct(f.escalated),
    detail: (f) => `${f.escalated.count}/${f.escalated.of}`,
  },
  {
    key: 'kpiDevices',
    value: (f) => (f.devices.onlineRate === null ? '—' : `${(f.devices.onlineRate * 100).toFixed(1)}%`),
    detail: (f) => `${f.devices.online}/${f.devices.count}`,
  },
  {
    key: 'kpiRating',
    value: (f) =>
      f.ratings?.mean === null || f.ratings?.mean === undefined ? '—' : f.ratings.mean.toFixed(2),
    detail: (f) => `n=${f.ratings?.count ?? 0}`,
  },
]

export function kpiCards(f: Figures): HTMLElement {
  return h(
    'div',
    { class: 'kpis', id: 'kpis' },
    ...columns.map((c) =>
      h(
        'div',
        { class: 'kpi', dataset: { kpi: c.key } },
        h('span', { class: 'kpi-label' }, t(c.key)),
        h('strong', { class: 'kpi-value' }, c.value(f)),
        c.detail ? h('span', { class: 'kpi-detail muted' }, c.detail(f)) : undefined,
      ),
    ),
  )
}
