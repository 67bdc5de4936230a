import type { VisitFigures, VisitSummary } from '../../../gateway/visits/figures.ts'
import type { Visit } from '../../../gateway/visits/model.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { download } from '../shared/csv.ts'
import { h } from '../shared/dom.ts'
import { dateTime, word } from '../shared/format.ts'
import { lang, t } from '../shared/i18n.ts'
import { session } from '../shared/session.ts'
import { exportableTable } from './table.ts'

/**
 * The service ledger on the supervision page (docs/visits.md): the window's visit figures (GET
 * /stats → `visits`), per grid and per station, and the ledger itself, paged and exported as CSV.
 */

export type { VisitFigures, VisitSummary }

/** A ledger row: the visit as the API answers it. */
export type LedgerVisit = Visit

const zh = {
  visitsTitle: '巡访与服务台账',
  due: '应巡访',
  doneRate: '完成率',
  onTime: '按时',
  late: '逾期完成',
  missed: '漏访',
  pending: '待完成',
  flagged: '异常打卡',
  onSite: '在户时长中位数',
  needs: '发现需求 / 已跟进',
  help: '需要帮助',
  reports: '计划外汇报',
  byGrid: '各网格巡访',
  byStation: '各服务站巡访',
  ledger: '服务台账',
  station: '服务站',
  day: '计划日',
  signedIn: '签到',
  status: '状态',
  condition: '情况',
  more: '显示更多',
  export: '导出台账 CSV',
  none: '本时段没有巡访记录',
}
const en: typeof zh = {
  visitsTitle: 'Visits and the service ledger',
  due: 'Visits due',
  doneRate: 'Done',
  onTime: 'On time',
  late: 'Done late',
  missed: 'Missed',
  pending: 'Pending',
  flagged: 'Flagged check-ins',
  onSite: 'Median time on site',
  needs: 'Needs raised / followed up',
  help: 'Needs help',
  reports: 'Reports outside the plan',
  byGrid: 'Visits by grid',
  byStation: 'Visits by station',
  ledger: 'Service ledger',
  station: 'Station',
  day: 'Due day',
  signedIn: 'Checked in',
  status: 'Status',
  condition: 'Condition',
  more: 'Show more',
  export: 'Export ledger CSV',
  none: 'No visits in this window',
}

export function vw(key: keyof typeof zh): string {
  return (lang() === 'en' ? en : zh)[key]
}

const rate = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`)
const minutes = (m: number | null) => (m === null ? '—' : `${m.toFixed(1)} min`)

/** The figures in the order the cards and the tables show them. */
const columns: { key: keyof typeof zh; value: (f: VisitFigures) => string }[] = [
  { key: 'due', value: (f) => String(f.due) },
  { key: 'doneRate', value: (f) => rate(f.doneRate) },
  { key: 'onTime', value: (f) => String(f.onTime) },
  { key: 'late', value: (f) => String(f.late) },
  { key: 'missed', value: (f) => String(f.missed) },
  { key: 'pending', value: (f) => String(f.pending) },
  { key: 'flagged', value: (f) => String(f.flagged) },
  { key: 'onSite', value: (f) => minutes(f.onSiteMin.median) },
  { key: 'needs', value: (f) => `${f.needs.raised} / ${f.needs.followedUp}` },
  { key: 'help', value: (f) => String(f.helpNeeded) },
  { key: 'reports', value: (f) => String(f.reports) },
]

/** `from`/`to` as the ledger takes them: the window's first and last local day. */
export interface LedgerScope {
  fromDay: string
  toDay: string
  grid: string[]
}

function ledgerQuery(scope: LedgerScope, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ from: scope.fromDay, to: scope.toDay, ...extra })
  if (scope.grid.length > 0) q.set('grid', scope.grid.join('/'))
  return q.toString()
}

function ledgerRow(v: LedgerVisit): string[] {
  return [
    v.dueDay,
    word('visitKind', v.kind),
    v.elderId,
    v.carerId ?? '',
    v.stationId ?? '',
    word('visitStatus', v.status),
    v.signIn ? dateTime(v.signIn.at) : '',
    v.onSiteS === undefined ? '' : minutes(v.onSiteS / 60),
    v.flags.map((f) => word('flag', f)).join('、'),
    v.report ? word('condition', v.report.condition) : '',
    v.report?.needs.map((n) => word('need', n)).join('、') ?? '',
  ]
}

export function visitSection(summary: VisitSummary | undefined, scope: LedgerScope): HTMLElement {
  const section = h(
    'section',
    { id: 'visits', class: 'visits' },
    h('h2', { class: 'section-title' }, vw('visitsTitle')),
  )
  if (!summary) {
    section.append(h('p', { class: 'unavailable', role: 'status' }, `⚠ ${t('statsUnavailable')}`))
    return section
  }
  section.append(
    h(
      'div',
      { class: 'kpis', id: 'visit-kpis' },
      ...columns.map((c) =>
        h(
          'div',
          { class: 'kpi', dataset: { kpi: c.key } },
          h('span', { class: 'kpi-label' }, vw(c.key)),
          h('strong', { class: 'kpi-value' }, c.value(summary.totals)),
        ),
      ),
    ),
    exportableTable(
      'visits-by-grid',
      vw('byGrid'),
      [t('name'), ...columns.map((c) => vw(c.key))],
      summary.byGrid.map((g) => [g.name, ...columns.map((c) => c.value(g))]),
    ),
    exportableTable(
      'visits-by-station',
      vw('byStation'),
      [vw('station'), ...columns.map((c) => vw(c.key))],
      summary.byStation.map((s) => [s.stationId, ...columns.map((c) => c.value(s))]),
    ),
    ledger(scope),
  )
  return section
}

/** The ledger's rows, 50 at a time, and the whole of it as CSV from the gateway. */
function ledger(scope: LedgerScope): HTMLElement {
  const head = [
    vw('day'),
    t('kind'),
    t('elder'),
    t('carer'),
    vw('station'),
    vw('status'),
    vw('signedIn'),
    vw('onSite'),
    vw('flagged'),
    vw('condition'),
    vw('needs'),
  ]
  const body = h('tbody', {})
  const more = h('button', { type: 'button', class: 'more', id: 'ledger-more', hidden: true }, vw('more'))
  const status = h('p', { class: 'muted', id: 'ledger-status', role: 'status' })
  let next: string | undefined
  const load = async (cursor?: string) => {
    try {
      const page = await api<{ items: LedgerVisit[]; next?: string }>(
        'GET',
        `/visits?${ledgerQuery(scope, { limit: '50', ...(cursor ? { cursor } : {}) })}`,
      )
      for (const v of page.items)
        body.append(h('tr', { dataset: { visit: v.id } }, ...ledgerRow(v).map((c) => h('td', {}, c))))
      next = page.next
      more.hidden = !next
      status.textContent = body.children.length === 0 ? vw('none') : ''
    } catch (error) {
      status.textContent = `⚠ ${error instanceof ApiFailure ? error.message : String(error)}`
    }
  }
  more.addEventListener('click', () => void load(next))
  const exporter = h('button', { type: 'button', id: 'ledger-export' }, `↓ ${vw('export')}`)
  exporter.addEventListener('click', async () => {
    const res = await fetch(`/api/v1/visits.csv?${ledgerQuery(scope)}`, {
      headers: { authorization: `Bearer ${session()?.token ?? ''}` },
    })
    if (res.ok) download(`visits-${scope.fromDay}-${scope.toDay}.csv`, await res.text())
    else status.textContent = `⚠ ${res.status}`
  })
  void load()
  return h(
    'section',
    { class: 'card ledger' },
    h('h3', {}, vw('ledger'), ' ', exporter),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { id: 'ledger' },
        h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
        body,
      ),
    ),
    more,
    status,
  )
}
