import { ApiFailure } from '../shared/api.ts'
import { h } from '../shared/dom.ts'

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement

/**
 * A labelled control with a place for its error below it. The control's `name` is the body path the
 * API names when it refuses it (`name`, `home.lat`, `contacts.1.phone`), so a refusal lands next to
 * the field it is about.
 */
export function field(label: string, control: Control, hint?: string): HTMLLabelElement {
  const error = h('span', { class: 'field-error', role: 'alert', 'data-error-for': control.name })
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    control,
    hint ? h('small', { class: 'field-hint' }, hint) : undefined,
    error,
  )
}

/** Removes every error shown in the form. */
export function clearErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll<HTMLElement>('[data-error-for]')) el.textContent = ''
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) el.removeAttribute('aria-invalid')
  form.querySelector<HTMLElement>('.form-error')?.replaceChildren()
}

/**
 * Shows a refusal where it belongs: the API says `path: message` for a field (BAD_REQUEST), so the
 * message goes under the control whose name is that path (or the nearest one above it:
 * `contacts.1.phone` falls back to `contacts`); anything else goes to the form's own error line.
 * Nothing typed is touched.
 */
export function showError(form: HTMLElement, error: unknown): void {
  clearErrors(form)
  const message = error instanceof Error ? error.message : String(error)
  const code = error instanceof ApiFailure ? error.code : undefined
  const match = /^([\w.]+): (.+)$/s.exec(message)
  if (match && code === 'BAD_REQUEST') {
    const [, path, text] = match as unknown as [string, string, string]
    const parts = path.split('.')
    for (let n = parts.length; n > 0; n--) {
      const name = parts.slice(0, n).join('.')
      const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`)
      if (!slot) continue
      slot.textContent = n === parts.length ? text : `${path}: ${text}`
      form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true')
      return
    }
  }
  let line = form.querySelector<HTMLElement>('.form-error')
  if (!line) {
    line = h('p', { class: 'form-error', role: 'alert' })
    form.append(line)
  }
  line.textContent = code ? `${code}: ${message}` : message
}

/**
 * Runs a form's action with its submit buttons disabled meanwhile; a refusal is shown by
 * `showError` and the form keeps every value typed. Resolves true when the action succeeded.
 */
export async function submitting(form: HTMLFormElement, action: () => Promise<void>): Promise<boolean> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type="submit"]')]
  for (const b of buttons) b.disabled = true
  clearErrors(form)
  try {
    await action()
    return true
  } catch (error) {
    showError(form, error)
    return false
  } finally {
    for (const b of buttons) b.disabled = false
  }
}
