import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { ew } from './elders-words.ts'

/** `DELETE /elders/{id}`'s answer (gateway/api/schemas/privacy.ts, `erasure`). */
export interface Erasure {
  erased: string
  devices: string[]
  positions: number
  vitals: number
  alarmsKept: number
  historyPoints: number
}

export interface PrivacyOptions {
  elderId: string
  /** The name as saved, for the dialog's title. */
  name: () => string
  /** The devices bound now: the dialog names those that go. */
  devices: () => string[]
  onErased: (report: Erasure) => void
}

/** Saves `data` as a JSON file named `name` (UTF-8; no BOM, JSON needs none). */
function downloadJson(name: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })
  const a = h('a', { href: URL.createObjectURL(blob), download: name })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/**
 * PIPL: everything held about the elder, downloaded (`GET /elders/{id}/export`), and the erasure
 * (`DELETE /elders/{id}`) behind a dialog that says what goes and what stays, as the store's erasure
 * does it (gateway/store/sqlite/privacy.ts; docs/decisions.md, "Erasure keeps closed alarms, unnamed").
 */
export function privacyActions(o: PrivacyOptions): HTMLElement {
  const line = h('p', { class: 'error', role: 'alert', id: 'privacy-error' })
  const exportButton = h('button', { type: 'button', id: 'elder-export' }, `↓ ${ew('export')}`)
  exportButton.addEventListener('click', () => {
    exportButton.disabled = true
    line.textContent = ''
    api<unknown>('GET', `/elders/${encodeURIComponent(o.elderId)}/export`)
      .then((data) => downloadJson(`elder-${o.elderId}.json`, data))
      .catch((error: unknown) => {
        line.textContent = error instanceof Error ? error.message : String(error)
      })
      .finally(() => {
        exportButton.disabled = false
      })
  })
  const dialog = eraseDialog(o)
  const eraseButton = h(
    'button',
    { type: 'button', class: 'danger', id: 'elder-erase', onclick: () => dialog.open() },
    ew('erase'),
  )
  return h(
    'section',
    { class: 'card elder-privacy', 'aria-labelledby': 'elder-privacy-title' },
    h('header', { class: 'card-head' }, h('h3', { id: 'elder-privacy-title' }, ew('privacy'))),
    h('div', { class: 'row' }, exportButton, eraseButton),
    line,
    dialog.element,
  )
}

function eraseDialog(o: PrivacyOptions): { element: HTMLDialogElement; open: () => void } {
  const title = h('h2', { id: 'erase-title' })
  const error = h('p', { class: 'error', role: 'alert', id: 'erase-error' })
  const cancel = h('button', { type: 'button', id: 'erase-cancel', autofocus: true }, ew('cancel'))
  const confirm = h('button', { type: 'button', class: 'danger', id: 'erase-confirm' }, ew('eraseConfirm'))
  const deleted2 = h('li', { id: 'erase-devices' })
  const element = h(
    'dialog',
    { id: 'erase-dialog', 'aria-labelledby': 'erase-title', 'aria-describedby': 'erase-what' },
    title,
    h(
      'div',
      { id: 'erase-what' },
      h('p', {}, h('strong', {}, ew('eraseDeleted'))),
      h(
        'ul',
        { id: 'erase-deleted' },
        h('li', {}, ew('eraseDeleted1')),
        deleted2,
        h('li', {}, ew('eraseDeleted3')),
        h('li', {}, ew('eraseDeleted4')),
      ),
      h('p', {}, h('strong', {}, ew('eraseKept'))),
      h('ul', { id: 'erase-kept' }, h('li', {}, ew('eraseKept1')), h('li', {}, ew('eraseKept2'))),
      h('p', {}, ew('eraseOpen')),
      h('p', { class: 'warn' }, ew('eraseIrreversible')),
    ),
    error,
    h('div', { class: 'row dialog-actions' }, cancel, confirm),
  )
  cancel.addEventListener('click', () => element.close())
  confirm.addEventListener('click', () => {
    confirm.disabled = true
    cancel.disabled = true
    error.textContent = ''
    confirm.textContent = ew('erasing')
    api<Erasure>('DELETE', `/elders/${encodeURIComponent(o.elderId)}`)
      .then((report) => {
        element.close()
        o.onErased(report)
      })
      .catch((e: unknown) => {
        // an alarm still open: the dialog stays, saying so in the page's words, with the API's
        const message = e instanceof Error ? e.message : String(e)
        error.textContent =
          e instanceof ApiFailure && e.code === 'INVALID_STATE' ? `${ew('eraseOpen')}（${message}）` : message
      })
      .finally(() => {
        confirm.disabled = false
        cancel.disabled = false
        confirm.textContent = ew('eraseConfirm')
      })
  })
  const open = () => {
    title.textContent = ew('eraseTitle', { name: o.name(), id: o.elderId })
    const ids = o.devices()
    deleted2.textContent = ew('eraseDeleted2', {
      devices: ids.length > 0 ? ids.join('、') : ew('noDevicesYet'),
    })
    error.textContent = ''
    element.showModal()
    cancel.focus()
  }
  return { element, open }
}
