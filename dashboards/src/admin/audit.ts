import './import.css'
import { html, nothing, render, type TemplateResult } from 'lit-html'
import type { AuditRow } from '../../../gateway/observe/ports.ts'
import type { Page } from '../../../kernel/contract/page.ts'
import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { dateTime } from '../shared/format.ts'
import {
  type AuditFilter,
  auditQuery,
  detailText,
  filterOf,
  noFilter,
  PAGE_SIZES,
  rangeOk,
} from './audit-query.ts'
import { aw } from './audit-words.ts'
import { failureText } from './import-job.ts'
import type { Section, SectionView } from './section.ts'

/** Actions offered while typing (any action or prefix may be typed): the registry's and the import's first. */
const KNOWN_ACTIONS = [
  'elders.import',
  'devices.import',
  'carers.import',
  'elder',
  'device',
  'carer',
  'service',
  'user',
  'alarm',
  'auth',
  'auth.login',
  'mqtt',
  'http',
  'deny',
]

type Loaded =
  | { state: 'loading' }
  | { state: 'ready'; page: Page<AuditRow> }
  | { state: 'error'; message: string }

/**
 * The audit log (`GET /audit`, newest first): filtered by actor, action (or a prefix of actions),
 * target and a range of days, a page at a time, with the server's cursor to go on and a stack of the
 * cursors seen to come back. Every value is bound as text; the detail is its JSON, as text.
 */
class AuditLog {
  #filter: AuditFilter = { ...noFilter }
  /** The cursor of each page shown so far: [undefined] is the newest page. */
  #cursors: (string | undefined)[] = [undefined]
  #loaded: Loaded = { state: 'loading' }
  #host: HTMLElement | undefined
  #request = 0
  #formError = ''

  mount(root: HTMLElement): SectionView {
    this.#host = h('div', { class: 'audit', id: 'audit' })
    root.append(this.#host)
    this.#load()
    return {
      leave: () => {
        this.#host = undefined
        this.#request++
      },
    }
  }

  #load(): void {
    const request = ++this.#request
    const cursor = this.#cursors.at(-1)
    this.#loaded = { state: 'loading' }
    this.#draw()
    api<Page<AuditRow>>('GET', `/audit?${auditQuery(this.#filter, cursor)}`).then(
      (page) => this.#show(request, { state: 'ready', page }),
      (error: unknown) => this.#show(request, { state: 'error', message: failureText(error) }),
    )
  }

  #show(request: number, loaded: Loaded): void {
    if (request !== this.#request) return
    this.#loaded = loaded
    this.#draw()
  }

  #apply(form: HTMLFormElement): void {
    const filter = filterOf(new FormData(form))
    this.#formError = rangeOk(filter) ? '' : aw('badRange')
    if (this.#formError) {
      this.#draw()
      return
    }
    this.#filter = filter
    this.#cursors = [undefined]
    this.#load()
  }

  #clear(form: HTMLFormElement): void {
    form.reset()
    this.#formError = ''
    this.#filter = { ...noFilter }
    this.#cursors = [undefined]
    this.#load()
  }

  #draw(): void {
    if (!this.#host) return
    this.#host.dataset.state = this.#loaded.state
    render(this.#view(), this.#host)
  }

  #view(): TemplateResult {
    const f = this.#filter
    const submit = (e: Event) => {
      e.preventDefault()
      this.#apply(e.currentTarget as HTMLFormElement)
    }
    const input = (name: 'actor' | 'action' | 'target', extra: TemplateResult | typeof nothing = nothing) =>
      html`<label class="field"><span class="field-label">${aw(name)}</span>
        <input id=${`audit-${name}`} name=${name} .value=${f[name]} autocomplete="off"
          list=${name === 'action' ? 'audit-actions' : nothing} title=${name === 'action' ? aw('actionHint') : nothing} />
        ${extra}</label>`
    return html`<h2 class="audit-title">${aw('title')}</h2>
      <form class="audit-filters" id="audit-filters" @submit=${submit}>
        ${input('actor')}
        ${input(
          'action',
          html`<datalist id="audit-actions">${KNOWN_ACTIONS.map((a) => html`<option value=${a}></option>`)}</datalist>`,
        )}
        ${input('target')}
        <label class="field"><span class="field-label">${aw('from')}</span>
          <input id="audit-from" name="from" type="date" .value=${f.from} /></label>
        <label class="field"><span class="field-label">${aw('to')}</span>
          <input id="audit-to" name="to" type="date" .value=${f.to} /></label>
        <label class="field"><span class="field-label">${aw('pageSize')}</span>
          <select id="audit-limit" name="limit">
            ${PAGE_SIZES.map((n) => html`<option value=${n} ?selected=${n === f.limit}>${n}</option>`)}
          </select></label>
        <div class="buttons">
          <button type="submit" class="primary" id="audit-apply">${aw('apply')}</button>
          <button type="button" id="audit-clear"
            @click=${(e: Event) => this.#clear((e.currentTarget as HTMLButtonElement).form as HTMLFormElement)}>
            ${aw('clear')}</button>
        </div>
      </form>
      ${this.#formError ? html`<p class="form-error" role="alert" id="audit-error">${this.#formError}</p>` : nothing}
      ${this.#results()}`
  }

  #results(): TemplateResult {
    const loaded = this.#loaded
    if (loaded.state === 'error')
      return html`<p class="form-error" role="alert" id="audit-error">${loaded.message}</p>`
    const items = loaded.state === 'ready' ? loaded.page.items : []
    const next = loaded.state === 'ready' ? loaded.page.next : undefined
    const body =
      loaded.state === 'loading'
        ? html`<tr class="empty"><td colspan="6" class="muted">${aw('loading')}</td></tr>`
        : items.length === 0
          ? html`<tr class="empty"><td colspan="6" class="muted">${aw('empty')}</td></tr>`
          : items.map(
              (e) => html`<tr data-id=${e.id} data-action=${e.action}>
                <td>${dateTime(e.at)}</td><td>${e.actor ?? ''}</td><td>${e.action}</td>
                <td>${e.target ?? ''}</td><td>${e.source ?? ''}</td>
                <td class="audit-detail">${detailText(e.detail)}</td>
              </tr>`,
            )
    const older = () => {
      if (!next) return
      this.#cursors.push(next)
      this.#load()
    }
    const newer = () => {
      this.#cursors.pop()
      this.#load()
    }
    return html`<div class="scroll"><table id="audit-table">
        <thead><tr>
          ${(['at', 'actor', 'action', 'target', 'source', 'detail'] as const).map((k) => html`<th scope="col">${aw(k)}</th>`)}
        </tr></thead>
        <tbody>${body}</tbody>
      </table></div>
      <nav class="audit-pager" aria-label=${aw('title')}>
        <button type="button" id="audit-newer" ?disabled=${this.#cursors.length <= 1} @click=${newer}>${aw('newer')}</button>
        <span id="audit-page">${aw('pageNo', { n: this.#cursors.length })}</span>
        <button type="button" id="audit-older" ?disabled=${!next} @click=${older}>${aw('older')}</button>
      </nav>`
  }
}

let shown: AuditLog | undefined

export const audit: Section = {
  path: 'audit',
  title: () => aw('title'),
  mount(root) {
    shown ??= new AuditLog()
    return shown.mount(root)
  },
}
