import { h } from '../shared/dom.ts'
import { aw } from './accounts-words.ts'

/** 24 random bytes: 192 bits, far beyond guessing, in 32 characters a device's settings can take. */
const SECRET_BYTES = 24

/**
 * A new MQTT secret, made in the browser (crypto.getRandomValues) and sent once with the PUT: the
 * gateway stores only its hash (docs/security.md), so nobody but the person at this screen sees it.
 * URL-safe base64, so it survives being typed into a device's configuration page or an SMS command.
 */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
}

/**
 * The secret just set, shown this once with a copy button and the warning that it will not be shown
 * again. Nothing keeps it: the panel goes with the page, and `done` leads on (a link to the record's
 * page, or what closes the panel where it stands).
 * Focus lands on the copy button, so a keyboard user copies with one key.
 */
export function secretOnce(
  id: string,
  secret: string,
  done: string | (() => void),
  note?: string,
): HTMLElement {
  const value = h('input', {
    id: 'secret-value',
    class: 'secret-value',
    readonly: true,
    value: secret,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-label': aw('secretTitle', { id }),
  })
  const said = h('span', { class: 'secret-copied', id: 'secret-copied', role: 'status' })
  const copy = h(
    'button',
    {
      type: 'button',
      id: 'secret-copy',
      class: 'primary',
      onclick: () => {
        void copyText(value).then((ok) => {
          said.textContent = ok ? aw('copied') : aw('copyFailed')
        })
      },
    },
    aw('copy'),
  )
  const panel = h(
    'section',
    { class: 'secret-once', id: 'secret-once', 'aria-labelledby': 'secret-title' },
    h('h3', { id: 'secret-title' }, aw('secretTitle', { id })),
    h('p', { class: 'secret-warn', id: 'secret-warn' }, `⚠ ${aw('secretWarn')}`),
    note ? h('p', { class: 'muted' }, note) : undefined,
    h('div', { class: 'secret-row' }, value, copy, said),
    h(
      'p',
      {},
      typeof done === 'string'
        ? h('a', { href: done, id: 'secret-done' }, aw('secretDone'))
        : h('button', { type: 'button', id: 'secret-done', onclick: done }, aw('secretDone')),
    ),
  )
  queueMicrotask(() => copy.focus())
  return panel
}

/** The clipboard API where the browser grants it, else the selection copied the old way. */
async function copyText(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value)
    return true
  } catch {
    input.select()
    return document.execCommand('copy')
  }
}
