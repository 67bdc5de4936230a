import '../shared/style.css'
import './supervision.css'
import { ApiFailure, api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { dateTime, word } from '../shared/format.ts'
import { t, translate } from '../shared/i18n.ts'
import type { Alarm } from '../shared/model.ts'
import { navBar } from '../shared/nav.ts'
import { requireSession } from '../shared/session.ts'
import { Charts } from './charts.ts'
import { columns, kpiCards } from './kpis.ts'
import type { StatsAnswer } from './stats.ts'
import { exportableTable } from './table.ts'

const session = requireSession(['admin', 'dispatcher', 'supervisor'])
const ON_TIME_MS = 15 * 60_000
const DAY_MS = 86_400_000

interface Device {
  id: string
  elderId: string
  kind: string
  online?: boolean
  lastSeenAt?: number
  createdAt?: number
}

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

async function pages<T>(path: string, max = 10): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  for (let i = 0; i < max; i++) {
    const res = await api<{ items: T[]; next?: string }>(
      'GET',
      `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    out.push(...res.items)
    if (!res.next) break
    cursor = res.next
  }
  return out
}

async function load(): Promise<void> {
  charts.destroy()
  let stats: StatsAnswer
  try {
    stats = await api<StatsAnswer>('GET', `/stats?${query()}`)
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
  const windowQuery = `from=${stats.from}&to=${stats.to}${stats.grid.length ? `&grid=${encodeURIComponent(stats.grid.join('/'))}` : ''}`
  const [alarms, unrated, devices] = await Promise.all([
    pages<Alarm>(`/alarms?limit=500&${windowQuery}`).catch(() => []),
    pages<Alarm>(`/alarms?limit=500&unrated=true&${windowQuery}`, 2).catch(() => []),
    pages<Device>(
      `/devices?limit=500${stats.grid.length ? `&grid=${encodeURIComponent(stats.grid.join('/'))}` : ''}`,
      4,
    ).catch(() => []),
  ])
  render(stats, alarms, unrated, devices)
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

function alarmRow(a: Alarm): string[] {
  return [
    a.id,
    dateTime(a.raisedAt),
    word('kind', a.kind),
    `P${a.priority}`,
    a.elderId,
    word('state', a.state),
    a.carerId ?? '',
  ]
}

function render(stats: StatsAnswer, alarms: Alarm[], unrated: Alarm[], devices: Device[]): void {
  const now = stats.at ?? stats.to
  const alarmHead = [t('kind'), t('raisedAt'), t('kind'), t('priority'), t('elder'), t('state'), t('carer')]
  alarmHead[0] = 'ID'
  // docs/stats.md: due a visit and not reached within 15 minutes
  const late = alarms.filter(
    (a) =>
      a.priority <= 3 &&
      a.state !== 'cancelled' &&
      !(a.outcome === 'false_alarm' && a.arrivedAt === undefined) &&
      (a.arrivedAt ?? now) - a.raisedAt > ON_TIME_MS,
  )
  const flagged = alarms.filter((a) => a.arrivalFlagged)
  const silent = devices.filter((d) => now - (d.lastSeenAt ?? d.createdAt ?? now) > DAY_MS)
  const canvases = {
    kind: h('canvas', { id: 'chart-kind', role: 'img', 'aria-label': t('chartByKind') }),
    response: h('canvas', { id: 'chart-response', role: 'img', 'aria-label': t('chartResponse') }),
    onTime: h('canvas', { id: 'chart-ontime', role: 'img', 'aria-label': t('chartOnTime') }),
  }
  const chartCard = (title: string, canvas: HTMLCanvasElement) =>
    h('section', { class: 'card chart' }, h('h2', {}, title), h('div', { class: 'chart-box' }, canvas))
  content.replaceChildren(
    kpiCards(stats.totals),
    exportableTable(
      'drilldown',
      t('drillDown'),
      [t('name'), ...columns.map((c) => t(c.key))],
      stats.children.map((c) => [c.name, ...columns.map((col) => col.value(c))]),
      stats.grid.length < 3 ? (i) => drill(stats.children[i]?.grid ?? stats.grid) : undefined,
    ),
    h(
      'div',
      { class: 'charts' },
      chartCard(t('chartByKind'), canvases.kind),
      chartCard(t('chartResponse'), canvases.response),
      chartCard(t('chartOnTime'), canvases.onTime),
    ),
    h('h2', { class: 'section-title' }, t('worklists')),
    h(
      'div',
      { class: 'worklists' },
      exportableTable('late', t('lateArrivals'), alarmHead, late.map(alarmRow)),
      exportableTable('flagged', t('flaggedArrivals'), alarmHead, flagged.map(alarmRow)),
      exportableTable('unrated', t('unrated'), alarmHead, unrated.map(alarmRow)),
      exportableTable(
        'silent',
        t('silentDevices'),
        [t('device'), t('kind'), t('elder'), t('lastSeen')],
        silent.map((d) => [d.id, d.kind, d.elderId, d.lastSeenAt ? dateTime(d.lastSeenAt) : '—']),
      ),
    ),
  )
  charts.byKind(canvases.kind, alarms, stats.from, stats.to)
  charts.response(canvases.response, alarms, t('chartResponse'))
  charts.onTime(canvases.onTime, alarms, stats.from, stats.to, now, t('chartOnTime'))
  document.body.dataset.loaded = 'true'
}

void load()
