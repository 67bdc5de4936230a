import { html, render } from 'lit-html'
import type { Carer } from '../../../gateway/registry/schemas.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import type { LiveCarer } from '../shared/model.ts'
import { aboutField, confirming } from './account-form.ts'
import { seg } from './account-list.ts'
import { newSecret, secretOnce } from './account-secret.ts'
import { GatewayClock } from './account-time.ts'
import { aw, awOf } from './accounts-words.ts'
import { carerNow, dutyWord, fixAge, setDuty } from './carer-duty.ts'
import { carerBody, carerBodyOf, carerControls, carerFields } from './carer-form.ts'
import { submitting } from './form.ts'
import type { SectionView } from './section.ts'

/**
 * `#/carers/{id}`: one carer. Duty, last fix and alarms today as the live stream tells them, with duty
 * set on their behalf; the form that changes their record (the secret stays: a replacing PUT without
 * one keeps it); and a new secret on purpose, shown once, which signs their phones out.
 */
export function carerPage(root: HTMLElement, id: string): SectionView {
  let carer: Carer | undefined
  let live: LiveCarer | undefined
  let refused = ''
  let gone = false
  const clock = new GatewayClock()
  const summary = h('div', { id: 'carer-summary' })
  const page = h('div', { class: 'account-page' }, summary)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('carerTitle', { id })),
      h('a', { href: '#/carers' }, aw('backToList')),
    ),
    page,
  )

  const toggle = async (to: 'on' | 'off') => {
    refused = ''
    try {
      const answer = await setDuty(id, to)
      if (live) live = { ...live, duty: answer.duty, busy: answer.busy }
      else if (carer) carer = { ...carer, duty: answer.duty }
    } catch (error) {
      refused = error instanceof Error ? error.message : String(error)
    }
    draw()
  }

  const draw = () => {
    if (gone || !carer) return
    const now = carerNow(carer, live)
    const to = now.duty === 'on' ? 'off' : 'on'
    render(
      html`<dl class="facts">
          <dt>${aw('displayName')}</dt><dd id="carer-name">${carer.name}</dd>
          <dt>${aw('duty')}</dt>
          <dd id="carer-duty" data-duty=${now.duty}>${dutyWord(now)}</dd>
          <dt>${aw('lastFix')}</dt><dd>${fixAge(now, clock.now())}</dd>
          <dt>${aw('alarmsToday')}</dt><dd>${now.alarmsToday ?? '—'}</dd>
          <dt>${aw('station')}</dt>
          <dd id="carer-station">
            ${carer.stationId ? html`<a href="#/stations/${seg(carer.stationId)}">${carer.stationId}</a> ` : ''}${carer.station ?? ''}
          </dd>
          <dt>${aw('mode')}</dt><dd>${awOf('mode', carer.mode)}</dd>
        </dl>
        <p class="form-actions">
          <button type="button" id="carer-duty-toggle" @click=${() => void toggle(to)}>
            ${to === 'on' ? aw('putOnDuty') : aw('putOffDuty')}
          </button>
          <span class="muted">${aw('dutyHint')}</span>
        </p>
        <p class="form-error" role="alert">${refused}</p>`,
      summary,
    )
  }

  void api<Carer>('GET', `/carers/${seg(id)}`).then(
    (c) => {
      if (gone) return
      carer = c
      draw()
      page.append(editForm(c), secretPart())
    },
    (error: unknown) => {
      const text =
        error instanceof ApiFailure && error.code === 'CARER_NOT_FOUND'
          ? aw('notFound', { id })
          : aw('loadFailed', { message: error instanceof Error ? error.message : String(error) })
      page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, text))
    },
  )

  function editForm(c: Carer): HTMLFormElement {
    const done = h('span', { class: 'saved', id: 'carer-saved', role: 'status' })
    const form = h(
      'form',
      { class: 'account-form', id: 'carer-form', novalidate: true },
      ...carerControls(c),
      h('p', { class: 'muted' }, aw('secretHintKept')),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'primary' }, aw('save')),
        done,
      ),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      done.textContent = ''
      void submitting(form, async () => {
        carer = await api<Carer>('PUT', `/carers/${seg(id)}`, carerBody(form)).catch((e: unknown) => {
          throw aboutField(e, carerFields)
        })
        draw()
        done.textContent = aw('saved')
      })
    })
    return form
  }

  function secretPart(): HTMLElement {
    const slot = h('div', { id: 'carer-secret-slot' })
    const error = h('p', { class: 'form-error', role: 'alert' })
    const rotate = confirming(
      { id: 'carer-rotate', label: aw('rotateSecret'), confirm: aw('rotateConfirm') },
      async () => {
        if (!carer) return
        error.textContent = ''
        const secret = newSecret()
        try {
          carer = await api<Carer>('PUT', `/carers/${seg(id)}`, { ...carerBodyOf(carer), secret })
          draw()
          slot.replaceChildren(secretOnce(id, secret, () => slot.replaceChildren(), aw('carerSecretNote')))
        } catch (e) {
          error.textContent = e instanceof Error ? e.message : String(e)
        }
      },
    )
    return h(
      'section',
      { class: 'account-part', id: 'carer-secret' },
      h('h3', {}, aw('rotateSecret')),
      h('p', { class: 'muted' }, aw('carerRotateHint')),
      rotate,
      error,
      slot,
    )
  }

  const ticking = setInterval(draw, 15_000)
  return {
    onLive(message) {
      clock.heard(message)
      if (message.type === 'snapshot') live = message.carers.find((c) => c.id === id)
      else if (message.type === 'carer' && message.carer.id === id) live = message.carer
      else return
      draw()
    },
    leave() {
      gone = true
      clearInterval(ticking)
    },
  }
}
