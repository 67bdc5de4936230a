import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import type { Device } from '../shared/model.ts'
import { aboutField, choice, input, say, typed } from './account-form.ts'
import { seg } from './account-list.ts'
import { newSecret, secretOnce } from './account-secret.ts'
import { aw, awOf } from './accounts-words.ts'
import { type ElderNames, elderPicker } from './device-elders.ts'
import { field, submitting } from './form.ts'
import type { SectionView } from './section.ts'

/** The kinds a device may be (gateway/registry/schemas.ts `deviceKinds`). */
export const deviceKinds = [
  'phone',
  'terminal',
  'watch',
  'sensor',
] as const satisfies readonly Device['kind'][]

/** The registry's refusals that are about one field of the device form. */
export const deviceFields = { UNKNOWN_ELDER: 'elderId', ID_TAKEN: 'id' } as const

/** Kind, elder and report interval: the fields a device's PUT carries besides its secret. */
export function deviceControls(names: ElderNames, initial: Partial<Device>): HTMLElement[] {
  const elderId = input('elderId', { value: initial.elderId ?? '', placeholder: aw('elderHint') })
  const elder = field(aw('elderId'), elderId)
  elder.append(elderPicker(elderId, names))
  return [
    field(
      aw('deviceKind'),
      choice(
        'kind',
        deviceKinds.map((k) => [k, awOf('dk', k)] as const),
        initial.kind ?? 'phone',
      ),
    ),
    elder,
    field(aw('interval'), input('intervalS', { type: 'number', value: String(initial.intervalS ?? 300) })),
  ]
}

/** The PUT body of the form's fields; an empty interval is left to the API's default. */
export function deviceBody(form: HTMLFormElement): { kind: string; elderId: string; intervalS?: number } {
  const interval = typed(form, 'intervalS')
  return {
    kind: typed(form, 'kind'),
    elderId: typed(form, 'elderId'),
    ...(interval === '' ? {} : { intervalS: Number(interval) }),
  }
}

/**
 * `#/devices/new` (`?elder=E1` from an elder's file): registers a device under an id of the admin's
 * choosing, with a secret made here and shown once. An id already registered is not taken over from
 * this form: the admin is sent to that device's page, where re-binding it is a deliberate act.
 */
export function newDevice(root: HTMLElement, names: ElderNames, elder: string | undefined): SectionView {
  const exists = h('p', { class: 'form-note', id: 'device-exists' })
  const form = h(
    'form',
    { class: 'account-form', id: 'device-form', novalidate: true },
    field(aw('id'), input('id', { required: true })),
    ...deviceControls(names, elder ? { elderId: elder } : {}),
    h('p', { class: 'muted' }, aw('secretHintNew')),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary' }, aw('registerDevice')),
    ),
    exists,
  )
  const box = h('div', { class: 'account-page' }, form)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('registerDevice')),
      h('a', { href: '#/devices' }, aw('backToList')),
    ),
    box,
  )
  form.querySelector<HTMLInputElement>('[name=id]')?.focus()

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, async () => {
      exists.replaceChildren()
      const id = typed(form, 'id')
      if (!id) return say(form, 'id', aw('required'))
      const known = await api<Device>('GET', `/devices/${seg(id)}`).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.code === 'DEVICE_NOT_FOUND') return undefined
        throw aboutField(error, deviceFields)
      })
      if (known) return alreadyThere(form, exists, known, typed(form, 'elderId'))
      const secret = newSecret()
      await api<Device>('PUT', `/devices/${seg(id)}`, { ...deviceBody(form), secret }).catch(
        (error: unknown) => {
          throw aboutField(error, deviceFields)
        },
      )
      box.replaceChildren(secretOnce(id, secret, `#/devices/${seg(id)}`))
    })
  })
  return {}
}

/** The id is a device already: said under the id, with the way to re-bind it on its own page. */
function alreadyThere(form: HTMLFormElement, note: HTMLElement, known: Device, elderId: string): void {
  say(form, 'id', aw('deviceExists', { id: known.id, elder: known.elderId }))
  const query = elderId && elderId !== known.elderId ? `?elder=${encodeURIComponent(elderId)}` : ''
  note.replaceChildren(
    h(
      'a',
      { href: `#/devices/${seg(known.id)}${query}`, id: 'device-exists-open' },
      aw('openToRebind', { id: known.id }),
    ),
  )
}
