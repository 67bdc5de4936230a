import type { TravelMode } from '../../../gateway/dispatch/types.ts'
import { travelModes } from '../../../gateway/dispatch/types.ts'
import type { Carer, Station } from '../../../gateway/registry/schemas.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { aboutField, choice, input, say, typed } from './account-form.ts'
import { seg } from './account-list.ts'
import { newSecret, secretOnce } from './account-secret.ts'
import { aw, awOf } from './accounts-words.ts'
import { field, submitting } from './form.ts'
import type { SectionView } from './section.ts'
import { everyPage } from './station-form.ts'
import { sw } from './stations-words.ts'

/** A carer's PUT body without the secret (gateway/registry/schemas.ts `carerBody`). */
export interface CarerFields {
  name: string
  mode: TravelMode | string
  phone?: string
  station?: string
  /** The registered station (`GET /stations`) the carer is based at, beside the free text. */
  stationId?: string
  skills?: string[]
  base?: { lat: number | undefined; lon: number | undefined }
}

/** The registry's refusals that are about one field of the carer form. */
export const carerFields = { ID_TAKEN: 'id' } as const

/**
 * The registered stations to choose from: "none", the carer's own at once, the rest when
 * `GET /stations` answers. The select is filled in place, so a choice made meanwhile stays.
 */
function stationChoice(selected: string | undefined): HTMLSelectElement {
  const none = () => h('option', { value: '' }, sw('stationNone'))
  const select = choice('stationId', [['', sw('stationNone')]])
  if (selected) select.append(h('option', { value: selected, selected: true }, selected))
  void everyPage<Station>('/stations').then(
    (all) => {
      const kept = select.value
      select.replaceChildren(none(), ...all.map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)))
      // a station the list no longer has still shows as the carer's, so saving does not drop it unseen
      if (kept && !all.some((s) => s.id === kept)) select.append(h('option', { value: kept }, kept))
      select.value = kept
    },
    () => undefined,
  )
  return select
}

/** Name, phone, station, travel mode, skills and base: what the centre knows of a carer. */
export function carerControls(initial: Partial<Carer>): HTMLElement[] {
  return [
    field(aw('displayName'), input('name', { value: initial.name ?? '' })),
    field(aw('phone'), input('phone', { type: 'tel', value: initial.phone ?? '' })),
    field(aw('station'), input('station', { value: initial.station ?? '' })),
    field(sw('stationPick'), stationChoice(initial.stationId), sw('stationPickHint')),
    field(
      aw('mode'),
      choice(
        'mode',
        travelModes.map((m) => [m, awOf('mode', m)] as const),
        initial.mode ?? 'ebike',
      ),
    ),
    field(aw('skills'), input('skills', { value: (initial.skills ?? []).join(', ') })),
    h(
      'div',
      { class: 'field-pair' },
      field(aw('baseLat'), input('base.lat', { inputmode: 'decimal', value: initial.base?.lat ?? '' })),
      field(aw('baseLon'), input('base.lon', { inputmode: 'decimal', value: initial.base?.lon ?? '' })),
    ),
    h('p', { class: 'muted' }, aw('baseHint')),
  ]
}

/** A number typed, or undefined for an empty box (the API then names what is missing). */
function numberOf(text: string): number | undefined {
  return text === '' ? undefined : Number(text)
}

/** The PUT body of the form: empty boxes left out, skills split at commas (either width). */
export function carerBody(form: HTMLFormElement): CarerFields {
  const text = (name: string) => typed(form, name)
  const skills = text('skills')
    .split(/[,，、]/)
    .map((s) => s.trim())
    .filter(Boolean)
  const lat = text('base.lat')
  const lon = text('base.lon')
  return {
    name: text('name'),
    mode: text('mode'),
    ...(text('phone') ? { phone: text('phone') } : {}),
    ...(text('station') ? { station: text('station') } : {}),
    ...(text('stationId') ? { stationId: text('stationId') } : {}),
    ...(skills.length > 0 ? { skills } : {}),
    ...(lat || lon ? { base: { lat: numberOf(lat), lon: numberOf(lon) } } : {}),
  }
}

/** The body that replaces a stored carer as it is (to give it a new secret). */
export function carerBodyOf(c: Carer): CarerFields {
  return {
    name: c.name,
    mode: c.mode,
    ...(c.phone !== undefined ? { phone: c.phone } : {}),
    ...(c.station !== undefined ? { station: c.station } : {}),
    ...(c.stationId !== undefined ? { stationId: c.stationId } : {}),
    ...(c.skills !== undefined ? { skills: c.skills } : {}),
    ...(c.base !== undefined ? { base: { lat: c.base.lat, lon: c.base.lon } } : {}),
  }
}

/** `#/carers/new`: a carer with an id of the admin's choosing and a secret made here, shown once. */
export function newCarer(root: HTMLElement): SectionView {
  const form = h(
    'form',
    { class: 'account-form', id: 'carer-form', novalidate: true },
    field(aw('id'), input('id', { required: true })),
    ...carerControls({}),
    h('p', { class: 'muted' }, aw('secretHintNew')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, aw('addCarer'))),
  )
  const box = h('div', { class: 'account-page' }, form)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('addCarer')),
      h('a', { href: '#/carers' }, aw('backToList')),
    ),
    box,
  )
  form.querySelector<HTMLInputElement>('[name=id]')?.focus()
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, async () => {
      const id = typed(form, 'id')
      if (!id) return say(form, 'id', aw('required'))
      // an id already a carer is edited on its page, never replaced (and its phones signed out) from here
      const known = await api<Carer>('GET', `/carers/${seg(id)}`).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.code === 'CARER_NOT_FOUND') return undefined
        throw error
      })
      if (known) return say(form, 'id', aw('carerExists', { id }))
      const secret = newSecret()
      await api<Carer>('PUT', `/carers/${seg(id)}`, { ...carerBody(form), secret }).catch(
        (error: unknown) => {
          throw aboutField(error, carerFields)
        },
      )
      box.replaceChildren(secretOnce(id, secret, `#/carers/${seg(id)}`, aw('carerSecretNote')))
    })
  })
  return {}
}
