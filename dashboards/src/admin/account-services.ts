import { html, render } from 'lit-html'
import type { Service } from '../../../gateway/registry/schemas.ts'
import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { aboutField, confirming, input, say, typed } from './account-form.ts'
import { listTable, Paged, seg } from './account-list.ts'
import { newSecret, secretOnce } from './account-secret.ts'
import { when } from './account-time.ts'
import { aw } from './accounts-words.ts'
import { field, submitting } from './form.ts'
import type { SectionView } from './section.ts'

const serviceFields = { ID_TAKEN: 'id' } as const

function head(root: HTMLElement, title: string, back: boolean, ...more: Node[]): void {
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, title),
      back ? h('a', { href: '#/services' }, aw('backToList')) : undefined,
      ...more,
    ),
    h('p', { class: 'muted' }, aw('serviceHint')),
  )
}

/** `#/services`: the integrations' MQTT identities, newest first (`GET /services`; never a secret). */
export function serviceList(root: HTMLElement): SectionView {
  const list = new Paged<Service>('/services')
  const body = h('div', { id: 'service-list' })
  let gone = false
  head(
    root,
    aw('services'),
    false,
    h('a', { href: '#/services/new', id: 'service-new', class: 'button primary' }, `＋ ${aw('addService')}`),
  )
  root.append(body)
  const draw = () => {
    if (!gone) render(table(), body)
  }
  const more = async () => {
    const loading = list.more()
    draw()
    await loading
    draw()
  }
  const table = () =>
    listTable({
      id: 'services-table',
      headings: ['id', 'serviceName', 'createdAt', 'updatedAt'],
      list,
      key: (s) => s.id,
      row: (s) => html`<tr class="service-row" data-id=${s.id}>
        <td><a href="#/services/${seg(s.id)}">${s.id}</a></td>
        <td class="name">${s.name}</td>
        <td>${when(s.createdAt)}</td>
        <td>${when(s.updatedAt)}</td>
      </tr>`,
      more,
    })
  void more()
  return {
    leave() {
      gone = true
    },
  }
}

/** `#/services/new`: an identity with a secret made here and shown once. */
export function newService(root: HTMLElement): SectionView {
  const form = h(
    'form',
    { class: 'account-form', id: 'service-form', novalidate: true },
    field(aw('id'), input('id', { required: true })),
    field(aw('serviceName'), input('name')),
    h('p', { class: 'muted' }, aw('secretHintNew')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, aw('addService'))),
  )
  const box = h('div', { class: 'account-page' }, form)
  head(root, aw('addService'), true)
  root.append(box)
  form.querySelector<HTMLInputElement>('[name=id]')?.focus()
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, async () => {
      const id = typed(form, 'id')
      if (!id) return say(form, 'id', aw('required'))
      // no single read of a service: the list says whether the id is one already
      const known = await new Paged<Service>('/services').find((s) => s.id === id)
      if (known) return say(form, 'id', aw('serviceExists', { id }))
      const name = typed(form, 'name')
      const secret = newSecret()
      await api<Service>('PUT', `/services/${seg(id)}`, { ...(name ? { name } : {}), secret }).catch(
        (error: unknown) => {
          throw aboutField(error, serviceFields)
        },
      )
      box.replaceChildren(secretOnce(id, secret, `#/services/${seg(id)}`))
    })
  })
  return {}
}

/** `#/services/{id}`: its name, and a new secret on purpose, shown once. */
export function servicePage(root: HTMLElement, id: string): SectionView {
  const page = h('div', { class: 'account-page' }, h('p', { class: 'muted' }, aw('loading')))
  head(root, aw('serviceTitle', { id }), true)
  root.append(page)
  void new Paged<Service>('/services')
    .find((s) => s.id === id)
    .then(
      (service) => {
        if (!service) {
          page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, aw('notFound', { id })))
          return
        }
        page.replaceChildren(renameForm(id, service), rotatePart(id))
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, aw('loadFailed', { message })))
      },
    )
  return {}
}

function renameForm(id: string, service: Service): HTMLFormElement {
  const done = h('span', { class: 'saved', id: 'service-saved', role: 'status' })
  const form = h(
    'form',
    { class: 'account-form', id: 'service-form', novalidate: true },
    field(aw('serviceName'), input('name', { value: service.name })),
    h('p', { class: 'muted' }, aw('secretHintKept')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, aw('save')), done),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    done.textContent = ''
    void submitting(form, async () => {
      const name = typed(form, 'name')
      // no secret: the replacing PUT keeps the stored one
      await api<Service>('PUT', `/services/${seg(id)}`, name ? { name } : {}).catch((error: unknown) => {
        throw aboutField(error, serviceFields)
      })
      done.textContent = aw('saved')
    })
  })
  return form
}

function rotatePart(id: string): HTMLElement {
  const slot = h('div', { id: 'service-secret-slot' })
  const error = h('p', { class: 'form-error', role: 'alert' })
  const rotate = confirming(
    { id: 'service-rotate', label: aw('rotateSecret'), confirm: aw('rotateConfirm') },
    async () => {
      error.textContent = ''
      const secret = newSecret()
      try {
        // the name as stored now, so the rotation changes nothing else
        const current = await new Paged<Service>('/services').find((s) => s.id === id)
        const name = current?.name
        await api<Service>('PUT', `/services/${seg(id)}`, { ...(name ? { name } : {}), secret })
        slot.replaceChildren(secretOnce(id, secret, () => slot.replaceChildren()))
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : String(e)
      }
    },
  )
  return h(
    'section',
    { class: 'account-part', id: 'service-secret' },
    h('h3', {}, aw('rotateSecret')),
    rotate,
    error,
    slot,
  )
}
