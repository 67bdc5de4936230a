import { h } from '../shared/dom.ts'
import { t } from '../shared/i18n.ts'
import type { Elder } from '../shared/model.ts'
import { ew } from './elders-words.ts'
import { field } from './form.ts'

type Contact = NonNullable<Elder['contacts']>[number]

/** contract: at most 10 contacts, called in their order. */
const MAX_CONTACTS = 10

interface Draft {
  /** Stable across moves, so the focus can follow a row. */
  key: number
  name: string
  relation: string
  phone: string
}

type Action = 'up' | 'down' | 'remove' | 'name'

/**
 * The emergency contacts, in the order they are called: add, remove and move with buttons, each
 * reachable by the keyboard. The rows are drawn again from what was typed whenever their order
 * changes (each control is named by its new body path, `contacts.1.phone`), and the focus follows
 * the row that moved.
 */
export class ContactsEditor {
  readonly element: HTMLFieldSetElement
  readonly #list = h('ol', { class: 'contacts-edit', id: 'contacts-list' })
  readonly #add: HTMLButtonElement
  readonly #rows: Draft[]
  #nextKey = 0

  constructor(initial: readonly Contact[]) {
    this.#rows = initial.map((c) => this.#draft(c))
    this.#add = h(
      'button',
      { type: 'button', id: 'contact-add', onclick: () => this.#addRow() },
      `＋ ${ew('addContact')}`,
    )
    this.element = h(
      'fieldset',
      { class: 'contacts-field', id: 'contacts' },
      h('legend', {}, t('contacts')),
      h('small', { class: 'field-hint' }, ew('contactsHint')),
      this.#list,
      h('span', { class: 'field-error', role: 'alert', 'data-error-for': 'contacts' }),
      this.#add,
    )
    this.#draw()
  }

  /** The contacts as typed, in their order; an empty relation is left out. */
  value(): Contact[] {
    return this.#rows.map((r) => ({
      name: r.name.trim(),
      ...(r.relation.trim() ? { relation: r.relation.trim() } : {}),
      phone: r.phone.trim(),
    }))
  }

  #draft(c: Partial<Contact>): Draft {
    return { key: this.#nextKey++, name: c.name ?? '', relation: c.relation ?? '', phone: c.phone ?? '' }
  }

  #addRow(): void {
    if (this.#rows.length >= MAX_CONTACTS) return
    const row = this.#draft({})
    this.#rows.push(row)
    this.#draw({ key: row.key, action: 'name' })
  }

  #move(key: number, by: -1 | 1): void {
    const from = this.#rows.findIndex((r) => r.key === key)
    const to = from + by
    const row = this.#rows[from]
    if (!row || to < 0 || to >= this.#rows.length) return
    this.#rows.splice(from, 1)
    this.#rows.splice(to, 0, row)
    this.#draw({ key, action: by < 0 ? 'up' : 'down' })
  }

  #remove(key: number): void {
    const at = this.#rows.findIndex((r) => r.key === key)
    if (at < 0) return
    this.#rows.splice(at, 1)
    // the focus goes to the row that took its place, else the one before, else "add"
    const next = this.#rows[at] ?? this.#rows[at - 1]
    this.#draw(next ? { key: next.key, action: 'remove' } : undefined)
    if (!next) this.#add.focus()
  }

  #draw(focus?: { key: number; action: Action }): void {
    const last = this.#rows.length - 1
    this.#list.replaceChildren(
      ...(this.#rows.length === 0
        ? [h('li', { class: 'muted empty' }, ew('noContacts'))]
        : this.#rows.map((row, i) => this.#row(row, i, last))),
    )
    this.#add.disabled = this.#rows.length >= MAX_CONTACTS
    if (!focus) return
    const li = this.#list.querySelector<HTMLElement>(`li[data-key="${focus.key}"]`)
    const wanted = li?.querySelector<HTMLButtonElement | HTMLInputElement>(`[data-action="${focus.action}"]`)
    // a row moved to the top (or bottom) cannot go further that way: the other move button takes the focus
    const other = focus.action === 'up' ? 'down' : focus.action === 'down' ? 'up' : undefined
    const target =
      wanted && !(wanted as HTMLButtonElement).disabled
        ? wanted
        : other
          ? li?.querySelector<HTMLButtonElement>(`[data-action="${other}"]`)
          : undefined
    target?.focus()
  }

  #row(row: Draft, i: number, last: number): HTMLLIElement {
    const input = (key: 'name' | 'relation' | 'phone', extra: Record<string, unknown>) => {
      const el = h('input', { name: `contacts.${i}.${key}`, ...extra })
      el.value = row[key]
      el.addEventListener('input', () => {
        row[key] = el.value
      })
      return el
    }
    const label = ew('contactN', { n: i + 1 })
    const button = (action: Action, text: string, aria: string, onclick: () => void, disabled = false) =>
      h(
        'button',
        { type: 'button', class: 'small', 'data-action': action, 'aria-label': aria, onclick, disabled },
        text,
      )
    return h(
      'li',
      { class: 'contact-row', 'data-key': String(row.key) },
      h('span', { class: 'contact-n' }, label),
      field(ew('contactName'), input('name', { maxlength: 64, 'data-action': 'name', autocomplete: 'off' })),
      field(ew('relation'), input('relation', { maxlength: 32, autocomplete: 'off' })),
      field(t('phone'), input('phone', { type: 'tel', maxlength: 32, autocomplete: 'off' })),
      h(
        'span',
        { class: 'contact-actions' },
        button('up', `↑ ${ew('moveUp')}`, `${label} ${ew('moveUp')}`, () => this.#move(row.key, -1), i === 0),
        button(
          'down',
          `↓ ${ew('moveDown')}`,
          `${label} ${ew('moveDown')}`,
          () => this.#move(row.key, 1),
          i === last,
        ),
        button('remove', `✕ ${ew('remove')}`, `${label} ${ew('remove')}`, () => this.#remove(row.key)),
      ),
    )
  }
}
