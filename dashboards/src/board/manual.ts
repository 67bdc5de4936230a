import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { loadElders } from '../shared/elders.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Elder } from '../shared/model.ts'
import { matchElders } from './elder-search.ts'

/** The hotline (12349) form: find the elder, say what happened, open a manual alarm. */
export function manualAlarmDialog(onCreated: (alarm: Alarm) => void): HTMLDialogElement {
  let elders: Elder[] | undefined
  let chosen: Elder | undefined
  const results = h('ul', { class: 'elder-results', role: 'listbox', id: 'elder-results' })
  const picked = h('p', { class: 'picked', id: 'elder-picked' })
  const search = h('input', {
    id: 'elder-search',
    type: 'search',
    autocomplete: 'off',
    placeholder: t('searchElder'),
    'aria-label': t('searchElder'),
  })
  const note = h('textarea', { name: 'note', rows: 2, 'aria-label': t('note'), placeholder: t('note') })
  const priority = h(
    'select',
    { name: 'priority', 'aria-label': t('priority') },
    ...[1, 2, 3, 4].map((p) => h('option', { value: String(p) }, `P${p}`)),
  )
  const error = h('p', { class: 'error', role: 'alert' })
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', id: 'manual-submit', disabled: true },
    t('createAlarm'),
  )
  const choose = (e: Elder) => {
    chosen = e
    picked.textContent = `${e.name} · ${e.phone ?? ''} · ${e.address ?? ''}`
    submit.disabled = false
    results.replaceChildren()
  }
  search.addEventListener('input', async () => {
    elders ??= await loadElders().catch(() => [])
    results.replaceChildren(
      ...matchElders(elders, search.value).map((e) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'elder-option', role: 'option', onclick: () => choose(e) },
            `${e.name} · ${e.phone ?? ''} · ${e.address ?? ''}`,
          ),
        ),
      ),
    )
  })
  const form = h(
    'form',
    { method: 'dialog', class: 'manual' },
    h('h2', {}, t('manualAlarm')),
    search,
    results,
    picked,
    h('label', {}, `${t('priority')} `, priority),
    note,
    error,
    h(
      'div',
      { class: 'row' },
      submit,
      h('button', { type: 'button', onclick: () => dialog.close() }, t('close')),
    ),
  )
  const dialog = h('dialog', { id: 'manual-dialog', 'aria-label': t('manualAlarm') }, form)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!chosen) return
    try {
      const alarm = await api<Alarm>('POST', '/alarms', {
        elderId: chosen.id,
        priority: Number(priority.value),
        ...(note.value ? { note: note.value } : {}),
      })
      dialog.close()
      search.value = ''
      note.value = ''
      picked.textContent = ''
      chosen = undefined
      submit.disabled = true
      onCreated(alarm)
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err)
    }
  })
  return dialog
}
