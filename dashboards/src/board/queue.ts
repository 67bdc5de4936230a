import { html, render } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
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
 * The open-alarm queue as a table; each row opens the alarm (click, Enter or Space). Drawn with
 * lit-html, rows keyed by alarm id (STYLE.md 19): an event patches the cells that changed and moves
 * rows when the order changed, so a row keeps its element, and the keyboard focus, across updates.
 */
export class QueueTable {
  readonly #body: HTMLTableSectionElement
  readonly #open: (id: string) => void
  #view: QueueView | undefined

  constructor(body: HTMLTableSectionElement, open: (id: string) => void) {
    this.#body = body
    this.#open = open
  }

  render(view: QueueView): void {
    this.#view = view
    const rows =
      view.alarms.length === 0
        ? html`<tr><td colspan="6" class="muted">${t('noAlarms')}</td></tr>`
        : repeat(
            view.alarms,
            (a) => a.id,
            (a) => this.#row(a, view),
          )
    render(rows, this.#body)
  }

  /** Once a second: the same rows, their timers moved on. */
  tick(now: number): void {
    if (this.#view) this.render({ ...this.#view, now })
  }

  #row(a: Alarm, view: QueueView) {
    const carer = a.carerId ? (view.carers.get(a.carerId)?.name ?? a.carerId) : ''
    const selected = a.id === view.selected
    const keydown = (e: KeyboardEvent) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault()
        this.#open(a.id)
      }
    }
    return html`<tr
      tabindex="0"
      class="alarm-row${view.unseen.has(a.id) ? ' flash' : ''}${selected ? ' selected' : ''}"
      data-id=${a.id}
      data-priority=${a.priority}
      data-state=${a.state}
      data-overdue=${a.overdueAt !== undefined && a.arrivedAt === undefined ? 'true' : 'false'}
      aria-selected=${selected ? 'true' : 'false'}
      @click=${() => this.#open(a.id)}
      @keydown=${keydown}
    >
      <td><span class="prio prio-${a.priority}">P${a.priority}</span></td>
      <td>${word('kind', a.kind)}</td>
      <td>${view.elderNames.get(a.elderId) ?? a.elderId}</td>
      <td>${word('state', a.state)}${
        a.escalated
          ? html`<span class="flag" title=${t('escalatedFlag')}> ⚑ ${t('escalatedFlag')}</span>`
          : ''
      }${
        a.overdueAt !== undefined && a.arrivedAt === undefined
          ? html`<span class="flag overdue" title=${t('tl_overdue')}> ⏱ ${t('tl_overdue')}</span>`
          : ''
      }</td>
      <td>${carer}</td>
      <td class="timer">${clock(view.now - a.raisedAt)}</td>
    </tr>`
  }
}
