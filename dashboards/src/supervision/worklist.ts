import { rowsToCsv } from '../../../kernel/csv.ts'
import { download } from '../shared/csv.ts'
import { h } from '../shared/dom.ts'
import { t } from '../shared/i18n.ts'
import type { WorklistPage } from './stats.ts'
import { w } from './words.ts'

/** docs/stats.md: the server pages a worklist; the page shows this many rows at a time, exports all. */
export const PAGE = 50
const EXPORT_PAGE = 500

export interface WorklistOptions<T> {
  id: string
  title: string
  head: string[]
  row: (item: T) => string[]
  /** The first page; undefined when it could not be had (the list then says so instead of showing none). */
  first: WorklistPage<T> | undefined
  /** The next page after `cursor` (none: the first), `limit` rows. */
  page: (cursor: string | undefined, limit: number) => Promise<WorklistPage<T>>
}

/**
 * A worklist the server counts and pages (GET /stats/lists/…): its title says the server's total, "show
 * more" fetches the next page, and "export CSV" writes every row of the list, fetched page by page.
 */
export function worklist<T>(o: WorklistOptions<T>): HTMLElement {
  let shown = 0
  let next = o.first?.next
  const total = o.first?.total ?? 0
  const body = h('tbody', {})
  const status = h('span', { class: 'muted shown', id: `${o.id}-shown` })
  const more = h('button', { type: 'button', class: 'more', dataset: { table: o.id } }, w('more'))
  const append = (items: T[]) => {
    for (const item of items) body.append(h('tr', {}, ...o.row(item).map((c) => h('td', {}, c))))
    shown += items.length
    status.textContent = shown < total ? w('shown', { shown, total }) : ''
    more.hidden = !next
    if (shown > 0) return
    const text = o.first ? t('noRows') : `⚠ ${t('statsUnavailable')}`
    body.append(h('tr', { class: 'empty' }, h('td', { colspan: o.head.length, class: 'muted' }, text)))
  }
  // a page that cannot be had is said so, never shown as fewer rows
  const failed = () => {
    status.textContent = `⚠ ${t('statsUnavailable')}`
  }
  more.addEventListener('click', () => {
    more.disabled = true
    void o
      .page(next, PAGE)
      .then((p) => {
        next = p.next
        append(p.items)
      })
      .catch(failed)
      .finally(() => {
        more.disabled = false
      })
  })
  const exportLabel = `↓ ${t('exportCsv')}`
  const exportButton = h('button', { type: 'button', class: 'csv', dataset: { table: o.id } }, exportLabel)
  exportButton.disabled = !o.first
  exportButton.addEventListener('click', () => {
    exportButton.disabled = true
    exportButton.textContent = w('exporting')
    void everyRow(o)
      .then((rows) => download(`${o.id}.csv`, rowsToCsv([o.head, ...rows])))
      .catch(failed)
      .finally(() => {
        exportButton.disabled = false
        exportButton.textContent = exportLabel
      })
  })
  append(o.first?.items ?? [])
  return h(
    'section',
    { class: 'card' },
    h(
      'header',
      { class: 'card-head' },
      h(
        'h2',
        {},
        o.title,
        h('span', { class: 'muted count', id: `${o.id}-total` }, ` (${o.first ? total : '—'})`),
      ),
      exportButton,
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: o.id },
        h('thead', {}, h('tr', {}, ...o.head.map((c) => h('th', { scope: 'col' }, c)))),
        body,
      ),
    ),
    h('footer', { class: 'card-foot' }, status, more),
  )
}

/** Every row of the list, from the first page on. */
async function everyRow<T>(o: WorklistOptions<T>): Promise<string[][]> {
  const rows: string[][] = []
  let cursor: string | undefined
  do {
    const p = await o.page(cursor, EXPORT_PAGE)
    rows.push(...p.items.map(o.row))
    cursor = p.next
  } while (cursor)
  return rows
}
