import { h } from '../shared/dom.ts'
import { t } from '../shared/i18n.ts'
import type { Elder } from '../shared/model.ts'
import type { TileSettings } from '../shared/tiles.ts'
import { ContactsEditor } from './elder-contacts.ts'
import { parseLatLon } from './elder-geo.ts'
import { GridPathInputs } from './elder-grid.ts'
import { HomePicker } from './elder-map.ts'
import { ew } from './elders-words.ts'
import { field } from './form.ts'

const risks = ['high', 'medium', 'low', 'safe'] as const

/** A number typed; text that is not one goes to the API as it is, which then says what is wrong beside it. */
function num(text: string): number | string | undefined {
  const v = text.trim()
  if (v === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : v
}

function input(name: string, value: string | number | undefined, extra: Record<string, unknown> = {}) {
  const el = h('input', { name, id: `elder-${name.replace(/\./g, '-')}`, autocomplete: 'off', ...extra })
  el.value = value === undefined ? '' : String(value)
  return el
}

/**
 * An elder's file as a form whose every control is named by its path in the PUT body (`name`,
 * `home.lat`, `contacts.1.phone`), so a refusal is shown beside it (form.ts). The form is built once
 * and never redrawn: what is typed stays until it is saved.
 */
export class ElderForm {
  readonly form: HTMLFormElement
  readonly #creating: boolean
  readonly #id: HTMLInputElement | undefined
  readonly #name: HTMLInputElement
  readonly #phone: HTMLInputElement
  readonly #address: HTMLInputElement
  readonly #grid: GridPathInputs
  readonly #risk: HTMLSelectElement
  readonly #lat: HTMLInputElement
  readonly #lon: HTMLInputElement
  readonly #fence: HTMLInputElement
  readonly #contacts: ContactsEditor
  readonly #notes: HTMLTextAreaElement
  readonly #vitals: HTMLInputElement[]
  readonly #mapEl = h('div', {
    class: 'home-map',
    id: 'home-map',
    role: 'region',
    'aria-label': ew('mapLabel'),
  })
  #picker: HomePicker | undefined
  /** The home last drawn, as "lat,lon" (empty: none). */
  #drawn = ''

  constructor(elder: Elder | undefined, onSubmit: () => void) {
    this.#creating = elder === undefined
    if (this.#creating) this.#id = input('id', '', { required: true, maxlength: 64, spellcheck: 'false' })
    this.#name = input('name', elder?.name, { required: true, maxlength: 64 })
    this.#phone = input('phone', elder?.phone, { type: 'tel', maxlength: 32 })
    this.#address = input('address', elder?.address, { maxlength: 256 })
    this.#grid = new GridPathInputs(elder?.grid ?? [])
    this.#risk = h(
      'select',
      { name: 'risk', id: 'elder-risk' },
      ...risks.map((r) => h('option', { value: r }, t(`risk_${r}`))),
    )
    this.#risk.value = elder?.risk ?? 'medium'
    const decimal = { inputmode: 'decimal', maxlength: 40 }
    this.#lat = input('home.lat', elder?.home.lat, decimal)
    this.#lon = input('home.lon', elder?.home.lon, decimal)
    this.#fence = input('fence.radiusM', elder?.fence?.radiusM, {
      type: 'number',
      min: 20,
      max: 50_000,
      step: 1,
    })
    this.#contacts = new ContactsEditor(elder?.contacts ?? [])
    this.#notes = h('textarea', { name: 'notes', id: 'elder-notes', rows: 4, maxlength: 2000 })
    this.#notes.value = elder?.notes ?? ''
    const vitals = elder?.vitals
    this.#vitals = [
      input('vitals.hrLow', vitals?.hrLow, { type: 'number', min: 0, max: 300 }),
      input('vitals.hrHigh', vitals?.hrHigh, { type: 'number', min: 0, max: 300 }),
      input('vitals.spo2Low', vitals?.spo2Low, { type: 'number', min: 0, max: 100 }),
    ]

    // "37.38, 117.97" pasted (or typed) into either box fills both
    for (const box of [this.#lat, this.#lon]) {
      box.addEventListener('input', () => {
        const p = parseLatLon(box.value)
        if (!p) return
        this.#lat.value = String(p.lat)
        this.#lon.value = String(p.lon)
        this.#drawHome(true)
      })
      box.addEventListener('change', () => this.#drawHome(true))
    }
    this.#fence.addEventListener('input', () => this.#drawHome(false))

    this.form = this.#layout(vitals !== undefined)
    this.form.addEventListener('submit', (e) => {
      e.preventDefault()
      onSubmit()
    })
  }

  /** Identity, grid, contacts and notes on the left; the home with its map, and vitals, on the right. */
  #layout(vitalsOpen: boolean): HTMLFormElement {
    return h(
      'form',
      { class: 'elder-form', id: 'elder-form', novalidate: true },
      h(
        'div',
        { class: 'elder-form-cols' },
        h(
          'div',
          { class: 'elder-form-col' },
          h(
            'fieldset',
            {},
            h('legend', {}, ew('identity')),
            this.#id ? field(ew('id'), this.#id, ew('idHint')) : undefined,
            field(ew('name'), this.#name),
            field(t('phone'), this.#phone),
            field(t('address'), this.#address),
            field(t('risk'), this.#risk),
          ),
          this.#grid.element,
          this.#contacts.element,
          field(t('notes'), this.#notes),
        ),
        h(
          'div',
          { class: 'elder-form-col' },
          h(
            'fieldset',
            { id: 'home' },
            h('legend', {}, ew('homePosition')),
            h('small', { class: 'field-hint' }, ew('homeHint')),
            this.#mapEl,
            h(
              'div',
              { class: 'row' },
              field(ew('lat'), this.#lat),
              field(ew('lon'), this.#lon),
              h(
                'button',
                { type: 'button', id: 'home-from-centre', onclick: () => this.#takeCentre() },
                ew('mapCentre'),
              ),
            ),
            h('span', { class: 'field-error', role: 'alert', 'data-error-for': 'home' }),
            field(ew('fence'), this.#fence, ew('fenceHint')),
          ),
          h(
            'details',
            { class: 'vitals', open: vitalsOpen },
            h('summary', {}, ew('vitals')),
            h('small', { class: 'field-hint' }, ew('vitalsHint')),
            h(
              'div',
              { class: 'row' },
              field(ew('hrLow'), this.#vitals[0] as HTMLInputElement),
              field(ew('hrHigh'), this.#vitals[1] as HTMLInputElement),
              field(ew('spo2Low'), this.#vitals[2] as HTMLInputElement),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'primary', id: 'elder-save' }, ew('save')),
        h('span', { class: 'form-status', id: 'elder-form-status', role: 'status', 'aria-live': 'polite' }),
      ),
      h('p', { class: 'form-error', role: 'alert' }),
    )
  }

  /** Once the form is on the page (the map needs its size): the base map, then the home on it. */
  attach(tiles: TileSettings | undefined): HomePicker {
    const picker = new HomePicker(this.#mapEl, (p) => {
      this.#lat.value = String(p.lat)
      this.#lon.value = String(p.lon)
      this.#drawHome(false)
    })
    this.#picker = picker
    picker.setTiles(tiles)
    // whatever was typed before the map came is brought into view now
    this.#drawn = ''
    this.#drawHome(true)
    return picker
  }

  get creating(): boolean {
    return this.#creating
  }

  /** The id typed on a new file. */
  typedId(): string {
    return this.#id?.value.trim() ?? ''
  }

  focusFirst(): void {
    ;(this.#id ?? this.#name).focus()
  }

  setStatus(text: string): void {
    const status = this.form.querySelector('#elder-form-status')
    if (status) status.textContent = text
  }

  /** The PUT body (gateway/registry/schemas.ts, elderBody): empty optional fields left out. */
  body(): Record<string, unknown> {
    const text = (el: HTMLInputElement | HTMLTextAreaElement) => el.value.trim()
    const grid = this.#grid.value()
    const contacts = this.#contacts.value()
    const fence = num(this.#fence.value)
    const [hrLow, hrHigh, spo2Low] = this.#vitals.map((el) => num(el.value))
    const vitals = {
      ...(hrLow !== undefined ? { hrLow } : {}),
      ...(hrHigh !== undefined ? { hrHigh } : {}),
      ...(spo2Low !== undefined ? { spo2Low } : {}),
    }
    return {
      name: text(this.#name),
      ...(text(this.#phone) ? { phone: text(this.#phone) } : {}),
      ...(text(this.#address) ? { address: text(this.#address) } : {}),
      ...(grid.length > 0 ? { grid } : {}),
      home: { lat: num(this.#lat.value), lon: num(this.#lon.value) },
      risk: this.#risk.value,
      ...(text(this.#notes) ? { notes: text(this.#notes) } : {}),
      ...(contacts.length > 0 ? { contacts } : {}),
      ...(fence !== undefined ? { fence: { radiusM: fence } } : {}),
      ...(Object.keys(vitals).length > 0 ? { vitals } : {}),
    }
  }

  #takeCentre(): void {
    const p = this.#picker?.centre()
    if (!p) return
    this.#lat.value = String(p.lat)
    this.#lon.value = String(p.lon)
    this.#drawHome(false)
  }

  /** The home and fence as typed, on the map; nothing while they are not a place. */
  #drawHome(centre: boolean): void {
    const lat = num(this.#lat.value)
    const lon = num(this.#lon.value)
    const radius = num(this.#fence.value)
    const place =
      typeof lat === 'number' && typeof lon === 'number' && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
        ? { lat, lon }
        : undefined
    // the same place again (a blur after a paste, as the map is clicked) moves nothing under the pointer
    const key = place ? `${place.lat},${place.lon}` : ''
    const moved = key !== this.#drawn
    this.#drawn = key
    this.#picker?.show(place, typeof radius === 'number' ? radius : undefined, centre && moved)
  }
}
