import { html, nothing, render } from 'lit-html'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import type { Device, Elder } from '../shared/model.ts'
import { aboutField, confirming } from './account-form.ts'
import { seg } from './account-list.ts'
import { newSecret, secretOnce } from './account-secret.ts'
import { when } from './account-time.ts'
import { aw, awOf } from './accounts-words.ts'
import type { ElderNames } from './device-elders.ts'
import { deviceBody, deviceControls, deviceFields } from './device-form.ts'
import { type Heard, onlineWord } from './device-list.ts'
import { submitting } from './form.ts'
import type { SectionView } from './section.ts'

/** The commands the console offers a watch (kernel/contract/commands.ts), those that need no value. */
const commands = ['locate', 'find'] as const

/**
 * `#/devices/{id}`: one device. What it is and how it is (connection and battery live), the form that
 * changes its kind, elder (a re-bind) or interval — the secret stays as it is, as a replacing PUT
 * without one keeps it — the secret rotated on purpose and shown once, and for a watch the commands.
 * `?elder=E2` fills the new elder in (the register form sends an id already known here).
 */
export function devicePage(root: HTMLElement, id: string, names: ElderNames, elder?: string): SectionView {
  let device: Device | undefined
  let owner: Elder | undefined
  let heard: Heard | undefined
  let gone = false
  const summary = h('div', { id: 'device-summary' })
  const page = h('div', { class: 'account-page' }, summary)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('deviceTitle', { id })),
      h('a', { href: '#/devices' }, aw('backToList')),
    ),
    page,
  )

  const draw = () => {
    if (gone || !device) return
    const d = device
    const online = heard ? heard.online : d.online
    const battery = heard?.battery ?? d.battery
    render(
      html`<dl class="facts">
        <dt>${aw('deviceKind')}</dt><dd id="device-kind">${awOf('dk', d.kind)}</dd>
        <dt>${aw('elder')}</dt>
        <dd id="device-elder"><a href="#/elders/${seg(d.elderId)}">${owner ? owner.name : d.elderId}</a>
          ${owner ? html`<small class="muted">${d.elderId}</small>` : nothing}</dd>
        <dt>${aw('connection')}</dt>
        <dd id="device-online" data-online=${online === undefined ? 'unknown' : String(online)}>${onlineWord(online)}</dd>
        <dt>${aw('battery')}</dt><dd id="device-battery">${battery === undefined ? '—' : `${battery}%`}</dd>
        <dt>${aw('lastSeen')}</dt><dd>${when(heard ? Math.max(heard.at, d.lastSeenAt ?? 0) : d.lastSeenAt)}</dd>
        <dt>${aw('lastTest')}</dt><dd id="device-last-test">${when(d.lastTestAt)}</dd>
        <dt>${aw('interval')}</dt><dd>${d.intervalS}</dd>
      </dl>`,
      summary,
    )
  }

  let commandBox: HTMLElement | undefined
  const stored = (d: Device) => {
    if (device?.elderId !== d.elderId) owner = undefined
    device = d
    const elderId = d.elderId
    void names.get(elderId).then((e) => {
      if (device?.elderId !== elderId) return
      owner = e
      draw()
    })
    // only a watch takes commands: the part comes and goes with the kind saved
    if (commandBox) commandBox.hidden = d.kind !== 'watch'
    draw()
  }

  void api<Device>('GET', `/devices/${seg(id)}`).then(
    (d) => {
      if (gone) return
      commandBox = commandPart()
      stored(d)
      page.append(editForm(d), secretPart(), commandBox)
    },
    (error: unknown) => {
      const text =
        error instanceof ApiFailure && error.code === 'DEVICE_NOT_FOUND'
          ? aw('notFound', { id })
          : aw('loadFailed', { message: error instanceof Error ? error.message : String(error) })
      page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, text))
    },
  )

  function editForm(d: Device): HTMLFormElement {
    const done = h('span', { class: 'saved', id: 'device-saved', role: 'status' })
    const rebinding = elder !== undefined && elder !== d.elderId
    const form = h(
      'form',
      { class: 'account-form', id: 'device-form', novalidate: true },
      ...deviceControls(names, { ...d, ...(rebinding ? { elderId: elder } : {}) }),
      h('p', { class: 'muted' }, rebinding ? aw('elderChanged') : aw('rebindHint')),
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
        // no secret: the replacing PUT keeps the stored one (docs/decisions.md)
        const saved = await api<Device>('PUT', `/devices/${seg(id)}`, deviceBody(form)).catch(
          (e: unknown) => {
            throw aboutField(e, deviceFields)
          },
        )
        stored(saved)
        done.textContent = aw('saved')
      })
    })
    return form
  }

  function secretPart(): HTMLElement {
    const slot = h('div', { id: 'device-secret-slot' })
    const error = h('p', { class: 'form-error', role: 'alert' })
    const rotate = confirming(
      { id: 'device-rotate', label: aw('rotateSecret'), confirm: aw('rotateConfirm') },
      async () => {
        const d = device
        if (!d) return
        error.textContent = ''
        const secret = newSecret()
        try {
          const body = { kind: d.kind, elderId: d.elderId, intervalS: d.intervalS, secret }
          stored(await api<Device>('PUT', `/devices/${seg(id)}`, body))
          slot.replaceChildren(secretOnce(id, secret, () => slot.replaceChildren()))
        } catch (e) {
          error.textContent = e instanceof Error ? e.message : String(e)
        }
      },
    )
    return h(
      'section',
      { class: 'account-part', id: 'device-secret' },
      h('h3', {}, aw('rotateSecret')),
      rotate,
      error,
      slot,
    )
  }

  function commandPart(): HTMLElement {
    const said = h('p', { class: 'command-said', id: 'command-said', role: 'status' })
    const send = async (command: (typeof commands)[number]) => {
      said.textContent = ''
      said.classList.remove('form-error')
      try {
        await api('POST', `/devices/${seg(id)}/commands`, { command })
        said.textContent = aw('commandSent')
      } catch (e) {
        said.classList.add('form-error')
        said.textContent =
          e instanceof ApiFailure && e.code === 'DEVICE_NOT_CONNECTED'
            ? aw('notConnected')
            : e instanceof Error
              ? e.message
              : String(e)
      }
    }
    return h(
      'section',
      { class: 'account-part', id: 'device-commands' },
      h('h3', {}, aw('commands')),
      h(
        'div',
        { class: 'form-actions' },
        ...commands.map((c) =>
          h('button', { type: 'button', id: `command-${c}`, onclick: () => void send(c) }, aw(c)),
        ),
      ),
      said,
    )
  }

  return {
    onLive(message) {
      if (message.type !== 'device' || message.device.id !== id) return
      const { online, battery } = message.device
      heard = { online, ...(battery !== undefined ? { battery } : {}), at: message.at }
      draw()
    },
    leave() {
      gone = true
    },
  }
}
