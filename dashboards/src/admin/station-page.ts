import { html, nothing, render } from 'lit-html'
import type { Carer, Station } from '../../../gateway/registry/schemas.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { seg } from './account-list.ts'
import { when } from './account-time.ts'
import { submitting } from './form.ts'
import type { SectionView } from './section.ts'
import { everyPage, gridText, locationText, stationBody, stationControls } from './station-form.ts'
import { sw } from './stations-words.ts'

/**
 * `#/stations/{id}`: one station — what the registry has of it, the carers based there, and the form
 * that replaces it (`PUT /stations/{id}`). The form is built once and never redrawn: a refusal shows
 * under its field and everything typed stays.
 */
export function stationPage(root: HTMLElement, id: string, created: boolean): SectionView {
  let station: Station | undefined
  let carers: Carer[] | undefined
  let gone = false
  const summary = h('div', { id: 'station-summary' })
  const page = h('div', { class: 'account-page' }, summary)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, sw('stationTitle', { id })),
      h('a', { href: '#/stations' }, sw('backToList')),
    ),
    page,
  )

  const carersHere = () => {
    if (!carers) return nothing
    const here = carers.filter((c) => c.stationId === id)
    return html`<dt>${sw('carersHere')}</dt>
      <dd id="station-carers" data-count=${here.length}>
        ${
          here.length > 0
            ? html`<ul class="inline-list">
                ${here.map((c) => html`<li><a href="#/carers/${seg(c.id)}">${c.name}</a></li>`)}
              </ul>`
            : html`<span class="muted">${sw('noCarersHere')}</span>`
        }
      </dd>`
  }

  const draw = () => {
    if (gone || !station) return
    const s = station
    render(
      html`<dl class="facts">
        <dt>${sw('name')}</dt><dd id="station-name">${s.name}</dd>
        <dt>${sw('address')}</dt><dd id="station-address">${s.address ?? ''}</dd>
        <dt>${sw('phone')}</dt><dd id="station-phone">${s.phone ?? ''}</dd>
        <dt>${sw('grid')}</dt><dd id="station-grid">${gridText(s.grid)}</dd>
        <dt>${sw('location')}</dt><dd id="station-location">${locationText(s.location)}</dd>
        <dt>${sw('updatedAt')}</dt><dd>${when(s.updatedAt)}</dd>
        ${carersHere()}
      </dl>`,
      summary,
    )
  }

  void api<Station>('GET', `/stations/${seg(id)}`).then(
    (s) => {
      if (gone) return
      station = s
      draw()
      page.append(editForm(s))
    },
    (error: unknown) => {
      const text =
        error instanceof ApiFailure && error.code === 'STATION_NOT_FOUND'
          ? sw('notFound', { id })
          : sw('loadFailed', { message: error instanceof Error ? error.message : String(error) })
      page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, text))
    },
  )
  // the carers based here are a courtesy: a failed look-up leaves them out, the station stands
  void everyPage<Carer>('/carers').then(
    (c) => {
      carers = c
      draw()
    },
    () => undefined,
  )

  function editForm(s: Station): HTMLFormElement {
    const done = h(
      'span',
      { class: 'saved', id: 'station-saved', role: 'status' },
      created ? sw('created') : '',
    )
    const form = h(
      'form',
      { class: 'account-form', id: 'station-form', novalidate: true },
      ...stationControls(s),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'primary' }, sw('save')),
        done,
      ),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      done.textContent = ''
      void submitting(form, async () => {
        const body = stationBody(form)
        if (!body) return
        station = await api<Station>('PUT', `/stations/${seg(id)}`, body)
        draw()
        done.textContent = sw('saved')
      })
    })
    return form
  }

  return {
    leave() {
      gone = true
    },
  }
}
