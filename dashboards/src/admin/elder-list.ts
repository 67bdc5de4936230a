import { html, render, type TemplateResult } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { dateTime, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Device, Elder, LiveMessage } from '../shared/model.ts'
import { deviceState, heardDevice } from './elder-activity.ts'
import { ElderFilterForm, type ListFilters } from './elder-filter.ts'
import { OpenAlarms } from './elder-open-alarms.ts'
import { ew } from './elders-words.ts'
import type { SectionView } from './section.ts'

const PAGE = 50
const OPEN = 'open,offered,accepted,arrived'

/**
 * The elders, newest first, as `GET /elders` pages them (`next` is the cursor of the page after):
 * searched and narrowed by the filter form; with each elder's devices (`GET /devices?elderId=`, kept
 * live from the stream's `device` events) and open alarms (fetched once, then the stream). Rows are
 * lit-html, keyed by elder (STYLE.md 19); every value is a text binding.
 */
export function elderList(root: HTMLElement, filters: ListFilters, notice: string | undefined): SectionView {
  const list = new ElderList(root, filters, notice)
  // the console replays its last snapshot as soon as the view is mounted, in this same task
  let replaying = true
  queueMicrotask(() => {
    replaying = false
  })
  return {
    onLive: (message) => list.hear(message, replaying),
    leave: () => list.leave(),
  }
}

class ElderList {
  readonly #filters: ListFilters
  readonly #form: ElderFilterForm
  readonly #body = h('tbody', { id: 'elders-body' })
  readonly #shown = h('span', { class: 'muted', id: 'elders-shown', role: 'status' })
  readonly #more = h('button', { type: 'button', id: 'elders-more', hidden: true }, ew('more'))
  readonly #devices = new Map<string, Device[]>()
  readonly #open = new OpenAlarms()
  #elders: Elder[] = []
  #next: string | undefined
  #loading = true
  #failed = ''
  /** Which load is the latest: an answer to an older one is dropped. */
  #asked = 0
  #frame = 0
  #gone = false

  constructor(root: HTMLElement, filters: ListFilters, notice: string | undefined) {
    this.#filters = filters
    this.#form = new ElderFilterForm(filters, () => void this.#load(true))
    this.#more.addEventListener('click', () => void this.#load(false))
    const head = [
      ew('id'),
      ew('name'),
      t('phone'),
      t('address'),
      t('grid'),
      t('risk'),
      ew('devices'),
      ew('openAlarms'),
    ]
    root.append(
      h(
        'header',
        { class: 'section-head' },
        h('h2', {}, ew('title')),
        h('a', { class: 'button primary', href: '#/elders/new', id: 'elder-new' }, `＋ ${ew('newElder')}`),
      ),
      h('p', { class: 'notice', id: 'elders-notice', role: 'status' }, notice ?? ''),
      this.#form.element,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'elders-table' },
          h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
          this.#body,
        ),
      ),
      h('footer', { class: 'card-foot' }, this.#shown, this.#more),
    )
    this.#draw()
    void this.#load(true)
    void this.#loadOpenAlarms()
  }

  hear(message: LiveMessage, replay: boolean): void {
    if (message.type !== 'device') {
      if (this.#open.hear(message, replay)) this.#drawSoon()
      return
    }
    const list = this.#devices.get(message.device.elderId)
    if (!list) return
    const at = list.findIndex((d) => d.id === message.device.id)
    const known = list[at]
    // a device bound since the page was read: its record is read again
    if (known) list[at] = heardDevice(known, message.device, message.at)
    else void this.#loadDevices([message.device.elderId])
    this.#drawSoon()
  }

  leave(): void {
    this.#gone = true
    this.#form.leave()
    cancelAnimationFrame(this.#frame)
  }

  /** The first page for the filters now (`fresh`), or the page after the last one shown. */
  async #load(fresh: boolean): Promise<void> {
    const mine = ++this.#asked
    const f = this.#filters
    const q = new URLSearchParams({ limit: String(PAGE) })
    if (f.q) q.set('q', f.q)
    if (f.risk.length > 0) q.set('risk', f.risk.join(','))
    if (f.grid.length > 0) q.set('grid', f.grid.join('/'))
    if (!fresh && this.#next) q.set('cursor', this.#next)
    this.#loading = true
    this.#draw()
    try {
      const page = await api<{ items: Elder[]; next?: string }>('GET', `/elders?${q}`)
      if (this.#gone || mine !== this.#asked) return
      this.#elders = fresh ? page.items : [...this.#elders, ...page.items]
      this.#next = page.next
      this.#failed = ''
      this.#loading = false
      this.#draw()
      await this.#loadDevices(page.items.map((e) => e.id))
    } catch (error) {
      if (this.#gone || mine !== this.#asked) return
      this.#failed = error instanceof Error ? error.message : String(error)
      this.#loading = false
      this.#draw()
    }
  }

  /** The devices of these elders (a page holds at most 50, the API takes 100 ids). */
  async #loadDevices(ids: string[]): Promise<void> {
    if (ids.length === 0) return
    const query = `elderId=${ids.map(encodeURIComponent).join(',')}&limit=500`
    const page = await api<{ items: Device[] }>('GET', `/devices?${query}`).catch(() => undefined)
    if (!page || this.#gone) return
    for (const id of ids) this.#devices.set(id, [])
    for (const d of page.items) this.#devices.get(d.elderId)?.push(d)
    this.#draw()
  }

  async #loadOpenAlarms(): Promise<void> {
    const mark = this.#open.mark()
    const page = await api<{ items: Alarm[] }>('GET', `/alarms?state=${OPEN}&limit=500`).catch(
      () => undefined,
    )
    if (!page || this.#gone) return
    this.#open.fetched(page.items, mark)
    this.#draw()
  }

  #draw(): void {
    const counts = this.#open.perElder()
    const empty = this.#failed
      ? ew('loadFailed', { message: this.#failed })
      : this.#loading
        ? ew('loading')
        : ew('noElders')
    render(
      this.#elders.length === 0
        ? html`<tr class="empty"><td colspan="8" class="muted">${empty}</td></tr>`
        : repeat(
            this.#elders,
            (e) => e.id,
            (e) => row(e, this.#devices.get(e.id), counts.get(e.id) ?? 0),
          ),
      this.#body,
    )
    this.#shown.textContent =
      this.#failed && this.#elders.length > 0 ? empty : ew('shown', { n: this.#elders.length })
    this.#more.hidden = this.#next === undefined
    this.#more.disabled = this.#loading
  }

  /** Live events come in bursts: one redraw per frame. */
  #drawSoon(): void {
    if (this.#frame) return
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0
      if (!this.#gone) this.#draw()
    })
  }
}

function row(e: Elder, devices: Device[] | undefined, openAlarms: number): TemplateResult {
  return html`<tr data-id=${e.id} data-risk=${e.risk}>
    <td class="mono">${e.id}</td>
    <td><a class="elder-link" href=${`#/elders/${encodeURIComponent(e.id)}`}>${e.name}</a></td>
    <td>${e.phone ?? ''}</td>
    <td>${e.address ?? ''}</td>
    <td>${(e.grid ?? []).join(' / ')}</td>
    <td><span class="risk risk-${e.risk}">${word('risk', e.risk)}</span></td>
    <td class="devices-cell">${deviceCell(devices)}</td>
    <td class="open-cell" data-open=${openAlarms}>${
      openAlarms > 0
        ? html`<span class="open-alarms">⚠ ${openAlarms}</span>`
        : html`<span class="muted">0</span>`
    }</td>
  </tr>`
}

function deviceCell(devices: Device[] | undefined): TemplateResult {
  if (!devices) return html`<span class="muted">…</span>`
  if (devices.length === 0) return html`<span class="muted">${ew('noDevice')}</span>`
  return html`<ul class="dev-list">${repeat(
    devices,
    (d) => d.id,
    (d) => html`<li data-device=${d.id}>
      ${d.id} ${deviceState(d)}${d.battery === undefined ? '' : ` · ${ew('battery', { n: d.battery })}`}${
        d.lastSeenAt === undefined
          ? ''
          : html` · <span class="muted">${ew('lastSeenAt', { at: dateTime(d.lastSeenAt) })}</span>`
      }
    </li>`,
  )}</ul>`
}
