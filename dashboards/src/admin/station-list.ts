import { html, render } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import type { Carer, Station } from '../../../gateway/registry/schemas.ts'
import { h } from '../shared/dom.ts'
import { foot, Paged, seg } from './account-list.ts'
import type { SectionView } from './section.ts'
import { everyPage, gridText } from './station-form.ts'
import { type StationWord, sw } from './stations-words.ts'

const HEADINGS: readonly StationWord[] = ['id', 'name', 'address', 'phone', 'grid', 'carers']

/** How many carers each station is the base of, by the carers' `stationId`. */
export async function carersByStation(): Promise<Map<string, number>> {
  const carers = await everyPage<Carer>('/carers')
  const counts = new Map<string, number>()
  for (const c of carers) {
    if (c.stationId) counts.set(c.stationId, (counts.get(c.stationId) ?? 0) + 1)
  }
  return counts
}

/**
 * `#/stations`: the stations a page at a time (`GET /stations`), each with its address, phone, grid
 * and how many carers it is the base of. Rows are keyed by id (lit-html), so a redraw keeps the focus.
 */
export function stationList(root: HTMLElement): SectionView {
  const list = new Paged<Station>('/stations')
  let counts: Map<string, number> | undefined
  let gone = false

  const body = h('div', { id: 'station-list' })
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, sw('title')),
      h(
        'a',
        { href: '#/stations/new', id: 'station-new', class: 'button primary' },
        `＋ ${sw('addStation')}`,
      ),
    ),
    body,
  )

  const row = (s: Station) =>
    html`<tr class="station-row" data-id=${s.id}>
      <td><a href="#/stations/${seg(s.id)}">${s.id}</a></td>
      <td class="name">${s.name}</td>
      <td class="address">${s.address ?? ''}</td>
      <td class="phone">${s.phone ?? ''}</td>
      <td class="grid">${gridText(s.grid)}</td>
      <td class="carers">${counts ? (counts.get(s.id) ?? 0) : sw('carersUnknown')}</td>
    </tr>`

  const table = () =>
    html`<table class="accounts" id="stations-table">
        <thead>
          <tr>${HEADINGS.map((k) => html`<th scope="col">${sw(k)}</th>`)}</tr>
        </thead>
        <tbody>
          ${
            list.items.length > 0
              ? repeat(list.items, (s) => s.id, row)
              : html`<tr class="empty"><td colspan=${HEADINGS.length} class="muted">${list.loaded ? sw('none') : sw('loading')}</td></tr>`
          }
        </tbody>
      </table>
      ${foot(list, more)}`

  const draw = () => {
    if (!gone) render(table(), body)
  }
  async function more(): Promise<void> {
    const loading = list.more()
    draw()
    await loading
    draw()
  }

  void more()
  // the count is a courtesy: a failed look-up leaves "—", the list stands
  void carersByStation().then(
    (c) => {
      counts = c
      draw()
    },
    () => undefined,
  )
  return {
    leave() {
      gone = true
    },
  }
}
