import type { Station, StationBody } from '../../../gateway/registry/schemas.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { input, say, typed } from './account-form.ts'
import { Paged, seg } from './account-list.ts'
import { parseLatLon } from './elder-geo.ts'
import { field, submitting } from './form.ts'
import type { SectionView } from './section.ts'
import { sw } from './stations-words.ts'

/** Every page of a registry list, for a count or a choice that needs all of it (stations, carers). */
export async function everyPage<T>(path: string): Promise<T[]> {
  const list = new Paged<T>(path)
  await list.find(() => false)
  return list.items
}

/** A grid path as typed: levels at `/` (either width), blanks dropped. */
export function gridOf(text: string): string[] {
  return text
    .split(/[/／]/)
    .map((g) => g.trim())
    .filter(Boolean)
}

/** A grid path as shown and typed: `Haifeng St / Dongguan`. */
export function gridText(grid: readonly string[] | undefined): string {
  return (grid ?? []).join(' / ')
}

/** A location as shown and typed: `37.3835, 117.9707`. */
export function locationText(location: Station['location']): string {
  return location ? `${location.lat}, ${location.lon}` : ''
}

/**
 * Name, address, phone, grid and location. The control names are the body's paths, so a refusal
 * (`grid.1: …`, `location.lat: …`) lands under the control it is about (form.ts).
 */
export function stationControls(initial: Partial<Station>): HTMLElement[] {
  return [
    field(sw('name'), input('name', { value: initial.name ?? '', maxlength: 64 })),
    field(sw('address'), input('address', { value: initial.address ?? '' })),
    field(sw('phone'), input('phone', { type: 'tel', value: initial.phone ?? '' })),
    field(sw('grid'), input('grid', { value: gridText(initial.grid) }), sw('gridHint')),
    field(
      sw('location'),
      input('location', { inputmode: 'decimal', value: locationText(initial.location) }),
      sw('locationHint'),
    ),
  ]
}

/**
 * The PUT body of the form, empty boxes left out (a replacing PUT then clears them). Undefined when
 * the location is not two numbers: said under the field, nothing sent. Ranges are the API's to check.
 */
export function stationBody(form: HTMLFormElement): StationBody | undefined {
  const text = (name: string) => typed(form, name)
  const grid = gridOf(text('grid'))
  const where = text('location')
  const location = where ? parseLatLon(where) : undefined
  if (where && !location) {
    say(form, 'location', sw('locationFormat'))
    return undefined
  }
  return {
    name: text('name'),
    ...(text('address') ? { address: text('address') } : {}),
    ...(text('phone') ? { phone: text('phone') } : {}),
    ...(grid.length > 0 ? { grid } : {}),
    ...(location ? { location } : {}),
  }
}

/** `#/stations/new`: a station with an id of the admin's choosing; then its page. */
export function newStation(root: HTMLElement): SectionView {
  const form = h(
    'form',
    { class: 'account-form', id: 'station-form', novalidate: true },
    field(sw('id'), input('id', { required: true }), sw('idHint')),
    ...stationControls({}),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, sw('addStation'))),
  )
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, sw('addStation')),
      h('a', { href: '#/stations' }, sw('backToList')),
    ),
    h('div', { class: 'account-page' }, form),
  )
  form.querySelector<HTMLInputElement>('[name=id]')?.focus()
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, async () => {
      const id = typed(form, 'id')
      if (!id) return say(form, 'id', sw('required'))
      const body = stationBody(form)
      if (!body) return
      // a known id is changed on its page, never replaced from here
      const known = await api<Station>('GET', `/stations/${seg(id)}`).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.code === 'STATION_NOT_FOUND') return undefined
        throw error
      })
      if (known) return say(form, 'id', sw('stationExists', { id }))
      await api<Station>('PUT', `/stations/${seg(id)}`, body)
      location.hash = `#/stations/${seg(id)}?created`
    })
  })
  return {}
}
