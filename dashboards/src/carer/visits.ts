import { html, render as litRender, nothing, type TemplateResult } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import type { CarerVisit } from '../../../gateway/visits/visits.ts'
import { ApiFailure, api, upload } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { meters, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'

/**
 * Visits on the carer's phone (docs/visits.md): today's and overdue visits, nearest first; a photo
 * from the camera, sign-in at the door with the phone's position, the short report and sign-out;
 * and a report outside the plan (掌上汇报). Visits go over HTTP in both of the page's modes (a
 * photo is far larger than an MQTT message may be); the page's token serves both.
 */

/** A visit on the carer's list, as `GET /carers/{id}/visits` answers it. */
export type { CarerVisit }

const conditions = ['well', 'unwell', 'needs_help'] as const
const needs = ['meals', 'medicine', 'repairs', 'money', 'loneliness'] as const
const reportKinds = ['call', 'escort', 'passing', 'other'] as const

/** The phone's position for a sign-in, or none (the gateway flags a sign-in without one). */
function position(): Promise<{ lat: number; lon: number; acc: number } | undefined> {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(undefined)
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, acc: Math.round(p.coords.accuracy) }),
      () => resolve(undefined),
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
    )
  })
}

/** The report form's fields as the API takes them. */
function reportOf(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form)
  const report: Record<string, unknown> = {
    condition: String(data.get('condition') ?? 'well'),
    needs: data.getAll('needs').map(String),
  }
  const note = String(data.get('note') ?? '').trim()
  const next = String(data.get('next') ?? '').trim()
  if (note) report.note = note
  if (next) report.next = next
  return report
}

function reportFields(prefix: string): TemplateResult {
  return html`<fieldset class="condition">
      <legend>${t('visitCondition')}</legend>
      ${conditions.map(
        (c, i) => html`<label
          ><input type="radio" name="condition" value=${c} id="${prefix}-${c}" ?checked=${i === 0} />
          ${word('condition', c)}</label
        >`,
      )}
    </fieldset>
    <fieldset class="needs">
      <legend>${t('visitNeeds')}</legend>
      ${needs.map(
        (n) =>
          html`<label><input type="checkbox" name="needs" value=${n} id="${prefix}-need-${n}" /> ${word('need', n)}</label>`,
      )}
    </fieldset>
    <textarea name="note" rows="2" maxlength="2000" placeholder=${t('note')} aria-label=${t('note')} id="${prefix}-note"></textarea>
    <input name="next" maxlength="500" placeholder=${t('visitNext')} aria-label=${t('visitNext')} id="${prefix}-next" />`
}

export class VisitsPanel {
  readonly element = h('section', { id: 'visits', 'aria-labelledby': 'visits-title' })
  #error = ''
  #carerId: string | undefined
  #visits: CarerVisit[] = []
  #today = ''
  readonly #busy = new Set<string>()
  /** Photos uploaded for a visit not yet signed in: the last one is named at sign-in. */
  readonly #photos = new Map<string, string>()
  #notice = ''

  start(carerId: string): void {
    if (this.#carerId === carerId) return
    this.#carerId = carerId
    void this.refresh()
    setInterval(() => void this.refresh(), 60_000)
  }

  async refresh(): Promise<void> {
    if (!this.#carerId) return
    try {
      const res = await api<{ items: CarerVisit[]; today: string }>('GET', `/carers/${this.#carerId}/visits`)
      this.#visits = res.items
      this.#today = res.today
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err)
    }
    this.render()
  }

  render(): void {
    litRender(
      html`<h2 id="visits-title" tabindex="-1">${t('myVisits')} <span class="muted">${this.#today}</span></h2>
        <p class="error" role="alert" id="visit-error">${this.#error}</p>
        ${this.#notice ? html`<p class="notice" role="status" id="visit-notice">${this.#notice}</p>` : nothing}
        ${
          this.#visits.length === 0
            ? html`<p class="muted" id="no-visits">${t('noVisits')}</p>`
            : repeat(
                this.#visits,
                (v) => v.id,
                (v) => this.#card(v),
              )
        }
        ${this.#adHoc()}`,
      this.element,
    )
  }

  #card(v: CarerVisit): TemplateResult {
    const busy = this.#busy.has(v.id)
    const photo = this.#photos.get(v.id) ?? v.photos.at(-1)?.id
    return html`<article class="visit${v.overdue ? ' overdue' : ''}" data-visit=${v.id} data-status=${v.status}>
      <header>
        <strong>${v.elder.name}</strong> · ${t('riskOf', { r: word('risk', v.risk) })} · ${v.dueDay}
        ${v.overdue ? html`<span class="badge late">${t('overdue')}</span>` : nothing}
        ${v.distanceM !== undefined ? html`<span class="muted"> · ${meters(v.distanceM)}</span>` : nothing}
      </header>
      ${v.elder.address ? html`<p>${v.elder.address}</p>` : nothing}
      <div class="links">
        ${v.elder.phone ? html`<a class="button" href="tel:${v.elder.phone}">☎ ${t('call')}</a>` : nothing}
        <a class="button" href="geo:${v.elder.lat},${v.elder.lon}">➤ ${t('navigate')}</a>
      </div>
      ${v.status === 'on_site' ? this.#signOutForm(v, busy) : this.#signInControls(v, busy, photo)}
    </article>`
  }

  #signInControls(v: CarerVisit, busy: boolean, photo: string | undefined): TemplateResult {
    return html`<div class="buttons">
      <label class="button photo" for="photo-${v.id}">📷 ${photo ? t('photoTaken') : t('takePhoto')}</label>
      <input
        class="hidden-input"
        type="file"
        accept="image/jpeg,image/png,image/webp"
        capture="environment"
        id="photo-${v.id}"
        ?disabled=${busy}
        @change=${(e: Event) => this.#upload(v, e.currentTarget as HTMLInputElement)}
      />
      <button type="button" class="primary big" id="sign-in-${v.id}" ?disabled=${busy} @click=${() => this.#signIn(v, photo)}>
        ${t('signIn')}
      </button>
    </div>`
  }

  #signOutForm(v: CarerVisit, busy: boolean): TemplateResult {
    const flags = v.flags.filter((f) => f !== 'late')
    return html`<p class="muted" id="on-site-${v.id}">
        ${t('onSiteSince')} ${new Date(v.signIn?.at ?? 0).toLocaleTimeString()}
        ${v.signIn?.distanceM !== undefined ? html` · ${meters(v.signIn.distanceM)}` : nothing}
      </p>
      ${flags.length > 0 ? html`<p class="flags" id="flags-${v.id}">${flags.map((f) => word('flag', f)).join(' · ')}</p>` : nothing}
      <form class="report" @submit=${(e: Event) => this.#signOut(e, v)}>
        ${reportFields(`r-${v.id}`)}
        <button type="submit" class="primary big" id="sign-out-${v.id}" ?disabled=${busy}>${t('signOut')}</button>
      </form>`
  }

  #adHoc(): TemplateResult {
    const elders = [...new Map(this.#visits.map((v) => [v.elder.id, v.elder.name])).entries()]
    return html`<details class="ad-hoc" id="ad-hoc">
      <summary>${t('reportOutside')}</summary>
      <form class="report" @submit=${(e: Event) => this.#file(e)}>
        <label
          >${t('elderId')}
          <input name="elderId" id="report-elder" required maxlength="64" list="report-elders" autocomplete="off"
        /></label>
        <datalist id="report-elders">${elders.map(([id, name]) => html`<option value=${id}>${name}</option>`)}</datalist>
        <label
          >${t('reportKind')}
          <select name="kind" id="report-kind">
            ${reportKinds.map((k) => html`<option value=${k}>${word('visitKind', k)}</option>`)}
          </select></label
        >
        ${reportFields('adhoc')}
        <button type="submit" class="primary" id="report-send">${t('send')}</button>
      </form>
    </details>`
  }

  async #upload(v: CarerVisit, input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0]
    if (!file) return
    await this.#step(v.id, async () => {
      const ref = await upload<{ id: string }>(
        `/visits/${v.id}/photos`,
        file,
        file.type || 'application/octet-stream',
      )
      this.#photos.set(v.id, ref.id)
      this.#notice = t('photoSaved')
    })
    input.value = ''
  }

  async #signIn(v: CarerVisit, photo: string | undefined): Promise<void> {
    this.#notice = t('locating')
    this.render()
    const at = await position()
    await this.#step(v.id, async () => {
      const body = { ts: Date.now(), ...(at ?? {}), ...(photo ? { photo } : {}) }
      const signed = await api<CarerVisit>('POST', `/visits/${v.id}/sign-in`, body)
      const flags = signed.flags.filter((f) => f !== 'late')
      this.#notice =
        flags.length > 0
          ? `${t('signedIn')} · ${flags.map((f) => word('flag', f)).join(' · ')}`
          : t('signedIn')
      this.#photos.delete(v.id)
    })
  }

  async #signOut(e: Event, v: CarerVisit): Promise<void> {
    e.preventDefault()
    const report = reportOf(e.currentTarget as HTMLFormElement)
    const at = await position()
    await this.#step(v.id, async () => {
      await api('POST', `/visits/${v.id}/sign-out`, { ts: Date.now(), ...(at ?? {}), report })
      this.#notice = report.condition === 'needs_help' ? t('helpRaised') : t('signedOut')
    })
  }

  async #file(e: Event): Promise<void> {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const data = new FormData(form)
    const body = {
      elderId: String(data.get('elderId') ?? '').trim(),
      kind: String(data.get('kind') ?? 'other'),
      ts: Date.now(),
      report: reportOf(form),
    }
    await this.#step('ad-hoc', async () => {
      await api('POST', '/visits', body)
      form.reset()
      this.#notice = body.report.condition === 'needs_help' ? t('helpRaised') : t('reportFiled')
    })
  }

  /** One step against the gateway: the card's buttons off while it runs, its refusal shown, the list read again. */
  async #step(key: string, run: () => Promise<void>): Promise<void> {
    if (this.#busy.has(key)) return
    this.#busy.add(key)
    this.render()
    try {
      await run()
      this.#error = ''
    } catch (err) {
      this.#notice = ''
      this.#error = err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err)
    } finally {
      this.#busy.delete(key)
      await this.refresh()
    }
  }
}
