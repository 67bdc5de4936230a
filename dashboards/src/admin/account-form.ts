import { ApiFailure } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { aw } from './accounts-words.ts'

/**
 * The account forms' controls. Each control's `name` is the path the API names when it refuses the
 * body (`name`, `base.lat`, `carerId`) or the URL (`id`, `username`), so form.ts puts a refusal under
 * it. The forms are built once and never drawn again: what is typed stays, errors or not.
 */

export function input(name: string, attrs: Record<string, unknown> = {}): HTMLInputElement {
  return h('input', { name, id: `f-${name.replaceAll('.', '-')}`, autocomplete: 'off', ...attrs })
}

export function choice(
  name: string,
  options: readonly (readonly [value: string, label: string])[],
  selected?: string,
): HTMLSelectElement {
  const select = h('select', { name, id: `f-${name}` })
  for (const [value, label] of options) {
    select.append(h('option', { value, ...(value === selected ? { selected: true } : {}) }, label))
  }
  return select
}

/** The trimmed text of the form's control `name` ('' when there is none). */
export function typed(form: HTMLFormElement, name: string): string {
  const control = form.elements.namedItem(name)
  return control instanceof HTMLInputElement || control instanceof HTMLSelectElement
    ? control.value.trim()
    : ''
}

/**
 * A refusal the API codes by its domain (`UNKNOWN_ELDER`, `LAST_ADMIN`, …) is about one field too:
 * given as a `path: message` validation error, form.ts shows it under that field instead of at the
 * form's foot. A message that already starts with its path (`password: required for a new user`)
 * keeps it. Anything else goes on as it came.
 */
export function aboutField(error: unknown, fields: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof ApiFailure) || error.code === 'BAD_REQUEST') return error
  const field = fields[error.code]
  if (field) return new ApiFailure(error.status, 'BAD_REQUEST', `${field}: ${error.message}`)
  if (error.status === 400 && /^[\w.]+: /.test(error.message)) {
    return new ApiFailure(error.status, 'BAD_REQUEST', error.message)
  }
  return error
}

/** A word of the console's own under the field `name` (where form.ts puts the API's). */
export function say(form: HTMLElement, name: string, text: string): void {
  const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`)
  if (slot) slot.textContent = text
  form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true')
}

/**
 * A button that asks once more before it acts (deleting, rotating a secret): the first press shows
 * the confirmation and a cancel beside it, focused, in place of the button; no dialog box.
 */
export function confirming(
  props: { id: string; label: string; confirm: string; danger?: boolean },
  act: () => Promise<void> | void,
): HTMLElement {
  const box = h('span', { class: 'confirming', id: `${props.id}-box` })
  const first = h(
    'button',
    { type: 'button', id: props.id, class: props.danger ? 'danger-outline' : undefined },
    props.label,
  )
  const yes = h('button', { type: 'button', id: `${props.id}-yes`, class: 'danger' }, props.confirm)
  const no = h('button', { type: 'button', id: `${props.id}-no` }, aw('cancel'))
  const ask = () => {
    box.replaceChildren(yes, no)
    yes.focus()
  }
  const back = () => {
    // the focus comes back to the button unless the act moved it on (to a secret's copy button)
    const here = box.contains(document.activeElement) || document.activeElement === document.body
    box.replaceChildren(first)
    if (here) first.focus()
  }
  first.addEventListener('click', ask)
  no.addEventListener('click', back)
  yes.addEventListener('click', () => {
    yes.disabled = true
    no.disabled = true
    void Promise.resolve(act()).finally(() => {
      yes.disabled = false
      no.disabled = false
      if (yes.isConnected) back()
    })
  })
  box.append(first)
  return box
}
