import '../shared/style.css'
import './supervision.css'
import { ApiFailure, api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { dateTime, word } from '../shared/format.ts'
import { t, translate } from '../shared/i18n.ts'
import { navBar } from '../shared/nav.ts'
import { requireSession } from '../shared/session.ts'
import { Charts } from './charts.ts'
import { columns, kpiCards } from './kpis.ts'
import { liveBoard } from './live-board.ts'
import type {
  AlarmRow,
  ChartsAnswer,
  DayFigures,
  DeviceRow,
  StatsAnswer,
  WorklistName,
  WorklistPage,
} from './stats.ts'
import { exportableTable } from './table.ts'
import { type VisitSummary, visitSection } from './visits.ts'
import { w } from './words.ts'
import { PAGE, worklist } from './worklist.ts'

const session = requireSession(['admin', 'dispatcher', 'supervisor'])
const DAY_MS = 86_400_000

const fromInput = h('input', { type: 'date', id: 'from', 'aria-label': t('from') })
const toInput = h('input', { type: 'date', id: 'to', 'aria-label': t('to') })
const crumbs = h('nav', { class: 'crumbs', id: 'crumbs', 'aria-label': t('grid') })
const content = h('div', { id: 'content', 'aria-live': 'polite' })
const charts = new Charts()
let grid: string[] = []
let window_: { from?: number; to?: number } = {}

byId('app').append(
  navBar(session),
  h(
    'main',
    { class: 'supervision' },
    h(
      'form',
      { class: 'range', id: 'range' },
      h('label', {}, `${t('from')} `, fromInput),
      h('label', {}, `${t('to')} `, toInput),
      h('button', { type: 'submit', class: 'primary' }, t('apply')),
      crumbs,
    ),
    liveBoard(session.role !== 'supervisor'),
    content,
  ),
)
translate()

function isoDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

byId('range').addEventListener('submit', (e) => {
  e.preventDefault()
  const from = fromInput.value ? new Date(`${fromInput.value}T00:00:00`).getTime() : undefined
  const to = toInput.value ? new Date(`${toInput.value}T00:00:00`).getTime() + DAY_MS : undefined
  window_ = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }
  void load()
})

function query(extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra)
  if (window_.from !== undefined) q.set('from', String(window_.from))
  if (window_.to !== undefined) q.set('to', String(window_.to))
  if (grid.length > 0) q.set('grid', grid.join('/'))
  return q.toString()
}

/** The window and grid of an answer, as a query string for the endpoints beside /stats. */
function scopeOf(stats: StatsAnswer): string {
  const q = new URLSearchParams({ from: String(stats.from), to: String(stats.to) })
  if (stats.grid.length > 0) q.set('grid', stats.grid.join('/'))
  return q.toString()
}

function listPage<T>(list: WorklistName, scope: string) {
  return (cursor: string | undefined, limit: number) =>
    api<WorklistPage<T>>(
      'GET',
      `/stats/lists/${list}?${scope}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
}

async function load(): Promise<void> {
  charts.destroy()
  let stats: StatsAnswer & { visits?: VisitSummary }
  try {
    stats = await api<StatsAnswer & { visits?: VisitSummary }>('GET', `/stats?${query()}`)
  } catch (error) {
    const missing = error instanceof ApiFailure && (error.status === 404 || error.status >= 500)
    content.replaceChildren(
      h(
        'p',
        { class: 'unavailable', id: 'stats-unavailable', role: 'status' },
        `⚠ ${t('statsUnavailable')}`,
        missing ? '' : ` — ${String(error)}`,
      ),
    )
    return
  }
  // the answer says which window and grid the figures are for (a scoped supervisor is narrowed to theirs)
  grid = stats.grid
  fromInput.value = isoDay(stats.from)
  toInput.value = isoDay(stats.to - 1)
  renderCrumbs(stats.grid)
  // docs/stats.md: the charts and worklists are counted by the server over every alarm of the window
  const scope = scopeOf(stats)
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  // a part that cannot be had says so on the page rather than showing fewer rows
  const [chartData, late, flagged, unrated, silent] = await Promise.all([
    api<ChartsAnswer>('GET', `/stats/charts?${scope}&tz=${encodeURIComponent(zone)}`).catch(() => undefined),
    listPage<AlarmRow>('late', scope)(undefined, PAGE).catch(() => undefined),
    listPage<AlarmRow>('flagged', scope)(undefined, PAGE).catch(() => undefined),
    listPage<AlarmRow>('unrated', scope)(undefined, PAGE).catch(() => undefined),
    listPage<DeviceRow>('silent', scope)(undefined, PAGE).catch(() => undefined),
  ])
  render(stats, chartData, { late, flagged, unrated, silent }, scope)
}

function renderCrumbs(path: string[]): void {
  const levels = [
    { name: t('wholeDistrict'), grid: [] as string[] },
    ...path.map((name, i) => ({ name, grid: path.slice(0, i + 1) })),
  ]
  crumbs.replaceChildren(
    ...levels.flatMap((l, i) => [
      i > 0 ? ' › ' : '',
      i === levels.length - 1
        ? h('strong', { 'aria-current': 'location' }, l.name)
        : h('button', { type: 'button', class: 'link', onclick: () => drill(l.grid) }, l.name),
    ]),
  )
}

function drill(next: string[]): void {
  grid = next
  void load()
}

function alarmRow(a: AlarmRow): string[] {
  return [
    a.id,
    dateTime(a.raisedAt),
    word('kind', a.kind),
    `P${a.priority}`,
    a.elderName ?? '',
    a.elderId,
    word('state', a.state),
    a.carerId ?? '',
  ]
}

function deviceRow(d: DeviceRow): string[] {
  return [d.id, d.kind, d.elderName ?? '', d.elderId, d.lastSeenAt ? dateTime(d.lastSeenAt) : '—']
}

interface FirstPages {
  late: WorklistPage<AlarmRow> | undefined
  flagged: WorklistPage<AlarmRow> | undefined
  unrated: WorklistPage<AlarmRow> | undefined
  silent: WorklistPage<DeviceRow> | undefined
}

function chartCard(title: string, canvas: HTMLCanvasElement, total: string, totalId: string): HTMLElement {
  return h(
    'section',
    { class: 'card chart' },
    h('h2', {}, title),
    h('div', { class: 'chart-box' }, canvas),
    h('p', { class: 'chart-total muted', id: totalId }, total),
  )
}

function render(
  stats: StatsAnswer & { visits?: VisitSummary },
  data: ChartsAnswer | undefined,
  first: FirstPages,
  scope: string,
): void {
  const alarmHead = [
    'ID',
    t('raisedAt'),
    t('kind'),
    t('priority'),
    t('elder'),
    w('elderId'),
    t('state'),
    t('carer'),
  ]
  const alarmList = (id: 'late' | 'flagged' | 'unrated', title: string) =>
    worklist<AlarmRow>({
      id,
      title,
      head: alarmHead,
      row: alarmRow,
      first: first[id],
      page: listPage<AlarmRow>(id, scope),
    })
  const canvases = {
    kind: h('canvas', { id: 'chart-kind', role: 'img', 'aria-label': t('chartByKind') }),
    response: h('canvas', { id: 'chart-response', role: 'img', 'aria-label': t('chartResponse') }),
    onTime: h('canvas', { id: 'chart-ontime', role: 'img', 'aria-label': t('chartOnTime') }),
  }
  const days = data?.days ?? []
  const sum = (f: (d: DayFigures) => number) => days.reduce((n, d) => n + f(d), 0)
  content.replaceChildren(
    kpiCards(stats.totals),
    exportableTable(
      'drilldown',
      t('drillDown'),
      [t('name'), ...columns.map((c) => t(c.key))],
      stats.children.map((c) => [c.name, ...columns.map((col) => col.value(c))]),
      stats.grid.length < 3 ? (i) => drill(stats.children[i]?.grid ?? stats.grid) : undefined,
    ),
    data
      ? h(
          'div',
          { class: 'charts' },
          chartCard(
            t('chartByKind'),
            canvases.kind,
            w('total', { n: sum((d) => d.alarms) }),
            'chart-kind-total',
          ),
          chartCard(
            t('chartResponse'),
            canvases.response,
            w('accepted', { n: data.acceptMs.n }),
            'chart-response-total',
          ),
          chartCard(
            t('chartOnTime'),
            canvases.onTime,
            w('due', { n: sum((d) => d.onTime.of), ok: sum((d) => d.onTime.count) }),
            'chart-ontime-total',
          ),
        )
      : h(
          'p',
          { class: 'unavailable', id: 'charts-unavailable', role: 'status' },
          `⚠ ${w('chartsUnavailable')}`,
        ),
    visitSection(stats.visits, {
      fromDay: isoDay(stats.from),
      toDay: isoDay(stats.to - 1),
      grid: stats.grid,
    }),
    h('h2', { class: 'section-title' }, t('worklists')),
    h(
      'div',
      { class: 'worklists' },
      alarmList('late', t('lateArrivals')),
      alarmList('flagged', t('flaggedArrivals')),
      alarmList('unrated', t('unrated')),
      worklist<DeviceRow>({
        id: 'silent',
        title: t('silentDevices'),
        head: [t('device'), t('kind'), t('elder'), w('elderId'), t('lastSeen')],
        row: deviceRow,
        first: first.silent,
        page: listPage<DeviceRow>('silent', scope),
      }),
    ),
  )
  if (data) {
    charts.byKind(canvases.kind, days)
    charts.response(canvases.response, data.acceptMs, t('chartResponse'))
    charts.onTime(canvases.onTime, days, t('chartOnTime'))
  }
  document.body.dataset.loaded = 'true'
}

void load()
