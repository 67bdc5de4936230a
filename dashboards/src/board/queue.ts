import { h } from '../shared/dom.ts'
import { clock, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, LiveCarer } from '../shared/model.ts'

export interface QueueView {
  alarms: Alarm[]
  unseen: ReadonlySet<string>
  carers: ReadonlyMap<string, LiveCarer>
  elderNames: ReadonlyMap<string, string>
  selected: string | undefined
  now: number
}

/**
 * The open-alarm queue as a table; each row opens the alarm (click, Enter
 * or Space). Rows are kept by alarm id and rebuilt only when what they show
 * changed, and the table is re-ordered only when the order changed: with
 * 500 alarms, rebuilding everything on each event costs whole frames.
 */
export class QueueTable {
  readonly #body: HTMLTableSectionElement
  readonly #open: (id: string) => void
  readonly #rows = new Map<string, { row: HTMLTableRowElement; signature: string }>()
  #order = ''

  constructor(body: HTMLTableSectionElement, open: (id: string) => void) {
    this.#body = body
    this.#open = open
  }

  render(view: QueueView): void {
    const seen = new Set<string>()
    const rows = view.alarms.map((a) => {
      seen.add(a.id)
      const carer = a.carerId ? (view.carers.get(a.carerId)?.name ?? a.carerId) : ''
      const signature = [
        a.priority,
        a.kind,
        a.state,
        a.escalated,
        carer,
        view.elderNames.get(a.elderId) ?? '',
        view.unseen.has(a.id),
        a.id === view.selected,
      ].join('|')
      const known = this.#rows.get(a.id)
      if (known && known.signature === signature) return known.row
      const row = this.#row(a, carer, view)
      known?.row.replaceWith(row)
      this.#rows.set(a.id, { row, signature })
      return row
    })
    for (const id of this.#rows.keys()) if (!seen.has(id)) this.#rows.delete(id)
    const order = view.alarms.map((a) => a.id).join(',')
    if (order === this.#order && rows.length > 0) return
    this.#order = order
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, t('noAlarms'))))
    this.#body.replaceChildren(...rows)
  }

  #row(a: Alarm, carer: string, view: QueueView): HTMLTableRowElement {
    const row = h(
      'tr',
      {
        tabindex: 0,
        class: `alarm-row${view.unseen.has(a.id) ? ' flash' : ''}${a.id === view.selected ? ' selected' : ''}`,
        dataset: { id: a.id, priority: String(a.priority), state: a.state },
        'aria-selected': a.id === view.selected ? 'true' : 'false',
      },
      h('td', {}, h('span', { class: `prio prio-${a.priority}` }, `P${a.priority}`)),
      h('td', {}, word('kind', a.kind)),
      h('td', {}, view.elderNames.get(a.elderId) ?? a.elderId),
      h(
        'td',
        {},
        word('state', a.state),
        a.escalated && h('span', { class: 'flag', title: t('escalatedFlag') }, ` ⚑ ${t('escalatedFlag')}`),
      ),
      h('td', {}, carer),
      h('td', { class: 'timer', dataset: { raised: String(a.raisedAt) } }, clock(view.now - a.raisedAt)),
    )
    row.addEventListener('click', () => this.#open(a.id))
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault()
        this.#open(a.id)
      }
    })
    return row
  }
}

/** Once a second: only the timer texts change. */
export function tickTimers(body: HTMLElement, now: number): void {
  for (const cell of body.querySelectorAll<HTMLElement>('td.timer')) {
    const text = clock(now - Number(cell.dataset.raised))
    if (cell.textContent !== text) cell.textContent = text
  }
}
