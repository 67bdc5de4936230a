import { download, tableToCsv } from '../shared/csv.ts'
import { h } from '../shared/dom.ts'
import { t } from '../shared/i18n.ts'

/** A titled table with its own "export CSV" button, which downloads exactly the rows shown. */
export function exportableTable(
  id: string,
  title: string,
  head: string[],
  rows: (string | Node)[][],
  onRow?: (index: number) => void,
): HTMLElement {
  const table = h(
    'table',
    { id },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...(rows.length === 0
        ? [h('tr', { class: 'empty' }, h('td', { colspan: head.length, class: 'muted' }, t('noRows')))]
        : rows.map((cells, i) => {
            const tr = h('tr', {}, ...cells.map((c) => h('td', {}, c)))
            if (onRow) {
              tr.tabIndex = 0
              tr.classList.add('link')
              tr.addEventListener('click', () => onRow(i))
              tr.addEventListener('keydown', (e) => {
                if (e.key === 'Enter') onRow(i)
              })
            }
            return tr
          })),
    ),
  )
  return h(
    'section',
    { class: 'card' },
    h(
      'header',
      { class: 'card-head' },
      h('h2', {}, title, h('span', { class: 'muted' }, ` (${rows.length})`)),
      h(
        'button',
        {
          type: 'button',
          class: 'csv',
          dataset: { table: id },
          onclick: () => {
            // the empty-state row is not data
            const copy = table.cloneNode(true) as HTMLTableElement
            for (const r of copy.querySelectorAll('tr.empty')) r.remove()
            download(`${id}.csv`, tableToCsv(copy))
          },
        },
        `↓ ${t('exportCsv')}`,
      ),
    ),
    h('div', { class: 'scroll' }, table),
  )
}
