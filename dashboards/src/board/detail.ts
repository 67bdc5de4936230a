import { html, nothing, render, type TemplateResult } from 'lit-html'
import { live } from 'lit-html/directives/live.js'
import { repeat } from 'lit-html/directives/repeat.js'
import { api } from '../shared/api.ts'
import { clock, dateTime, meters, minutes, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Device, Elder, LiveCarer, TimelineEntry } from '../shared/model.ts'
import { outcomes } from '../shared/model.ts'
import { rankCandidates } from './candidates.ts'
import type { TrackFix } from './state.ts'

export interface DetailContext {
  carers: () => Iterable<LiveCarer>
  carerName: (id: string) => string
  now: () => number
  onElder: (elder: Elder) => void
  onError: (message: string) => void
  /** A followed elder's fixes (open `fence_exit`), oldest first, and a way to seed them from history. */
  track: (alarmId: string) => readonly TrackFix[] | undefined
  seedTrack: (alarmId: string, fixes: TrackFix[]) => void
}

type Full = Alarm & { timeline: TimelineEntry[] }

/** What the dispatcher has typed or chosen and not sent yet, kept for the alarm open. */
interface Draft {
  note: string
  outcome: string
}

const freshDraft = (): Draft => ({ note: '', outcome: outcomes[0] })

/**
 * The alarm detail panel: elder file, timeline, candidates, and the centre's one-click actions.
 * Drawn with lit-html (STYLE.md 19): each live event and each redraw of the candidates patches only
 * what changed, so a half-typed note, the chosen outcome and the focus stay where they are; every
 * piece of user text goes in as a text binding, never as HTML.
 */
export class AlarmDetail {
  readonly #root: HTMLElement
  readonly #ctx: DetailContext
  #alarm: Full | undefined
  #elder: Elder | undefined
  /** The alarm's device when it is a watch: the centre may ask it for a fix (docs/devices.md). */
  #watch: string | undefined
  /** What the last command to the watch came to, shown beside its button. */
  #sent = ''
  #draft: Draft = freshDraft()

  constructor(root: HTMLElement, ctx: DetailContext) {
    this.#root = root
    this.#ctx = ctx
  }

  get alarmId(): string | undefined {
    return this.#alarm?.id
  }

  async open(id: string): Promise<void> {
    const alarm = await api<Full>('GET', `/alarms/${encodeURIComponent(id)}`)
    if (this.#alarm?.id !== alarm.id) {
      this.#draft = freshDraft()
      this.#sent = ''
    }
    this.#alarm = alarm
    this.#watch = alarm.deviceId ? await this.#watchOf(alarm.deviceId) : undefined
    this.#elder = await api<Elder>('GET', `/elders/${encodeURIComponent(alarm.elderId)}`).catch(
      () => undefined,
    )
    if (this.#elder) this.#ctx.onElder(this.#elder)
    if (alarm.kind === 'fence_exit' && alarm.deviceId) await this.#trackSince(alarm, alarm.deviceId)
    this.render()
    this.#root.querySelector<HTMLElement>('h2')?.focus()
  }

  close(): void {
    this.#alarm = undefined
    this.#draft = freshDraft()
    render(nothing, this.#root)
    this.#root.classList.add('hidden')
  }

  /** A live event for the open alarm: the new state and one more timeline line. */
  update(alarm: Alarm, entry: TimelineEntry): void {
    if (!this.#alarm || this.#alarm.id !== alarm.id) return
    const timeline = this.#alarm.timeline.some((e) => e.seq === entry.seq)
      ? this.#alarm.timeline
      : [...this.#alarm.timeline, entry]
    this.#alarm = { ...alarm, timeline }
    this.render()
  }

  /** Candidates move with the carers; redraw them now and then, not on every fix. */
  refreshCandidates(): void {
    this.render()
  }

  render(): void {
    const a = this.#alarm
    if (!a) return
    this.#root.classList.remove('hidden')
    render(this.#panel(a), this.#root)
  }

  #panel(a: Full): TemplateResult {
    const closed = a.state === 'resolved' || a.state === 'cancelled'
    return html`
      <header class="detail-head">
        <h2 tabindex="-1">
          <span class="prio prio-${a.priority}">P${a.priority}</span> ${word('kind', a.kind)} · ${a.id}
        </h2>
        <button type="button" aria-label=${t('close')} @click=${() => this.close()}>✕</button>
      </header>
      <p class="detail-state" id="detail-state" data-state=${a.state}>
        ${t('state')}: ${word('state', a.state)}${a.escalated ? ` · ⚑ ${t('escalatedFlag')}` : ''}${
          a.carerId ? ` · ${t('carer')}: ${this.#ctx.carerName(a.carerId)}` : ''
        } · ${clock(this.#ctx.now() - a.raisedAt)}
      </p>
      ${this.#whereFrom(a)}
      ${a.kind === 'fence_exit' && !closed ? this.#track(a) : nothing}
      ${this.#elderFile()}
      ${closed ? html`<p>${word('state', a.state)}</p>` : this.#actions(a)}
      ${closed ? nothing : this.#candidates(a)}
      ${this.#timeline(a)}
    `
  }

  /** The fixes since the alarm was raised, read once when it is opened; live ones follow. */
  async #trackSince(alarm: Alarm, deviceId: string): Promise<void> {
    const from = alarm.raisedAt - 60_000
    const past = await api<{ items: { lat: number; lon: number; acc?: number; ts: number }[] }>(
      'GET',
      `/devices/${encodeURIComponent(deviceId)}/track?from=${from}`,
    ).catch(() => undefined)
    if (past)
      this.#ctx.seedTrack(
        alarm.id,
        past.items.map((f) => ({ ...f, receivedAt: f.ts })),
      )
  }

  /** 防走失: where the wandering elder is now — the latest fix, its age and accuracy, and how many there are. */
  #track(a: Full): TemplateResult {
    const fixes = this.#ctx.track(a.id) ?? []
    const last = fixes.at(-1)
    if (!last) return html`<p class="track" id="track-info" data-fixes="0">${t('trackNone')}</p>`
    const ageS = Math.max(0, Math.round((this.#ctx.now() - last.receivedAt) / 1000))
    return html`<p class="track" id="track-info" data-fixes=${fixes.length}>
      ${t('trackInfo', { n: fixes.length, age: clock(ageS * 1000), acc: last.acc === undefined ? '—' : Math.round(last.acc) })}
      · <a href="geo:${last.lat},${last.lon}" id="track-latest">${last.lat.toFixed(5)}, ${last.lon.toFixed(5)}</a>
    </p>`
  }

  /**
   * A device alarm without a position is dispatched to the elder's home: the board says so (a watch
   * indoors often has no fix), and offers to ask a watch for one now.
   */
  #whereFrom(a: Full): TemplateResult | typeof nothing {
    const atHome =
      a.deviceId !== undefined && a.timeline.find((e) => e.type === 'raised')?.data?.atHome === true
    if (!atHome && !this.#watch) return nothing
    return html`<p class="where">
      ${atHome ? html`<span class="warn" id="detail-at-home">⚠ ${t('atHomeNoFix')}</span>` : nothing}
      ${
        this.#watch
          ? html`<button type="button" id="act-locate" @click=${() => this.#locate()}>${t('locateNow')}</button>
            <span class="muted" id="locate-sent">${this.#sent}</span>`
          : nothing
      }
    </p>`
  }

  async #watchOf(deviceId: string): Promise<string | undefined> {
    const device = await api<Device>('GET', `/devices/${encodeURIComponent(deviceId)}`).catch(() => undefined)
    return device?.kind === 'watch' ? deviceId : undefined
  }

  async #locate(): Promise<void> {
    const id = this.#watch
    if (!id) return
    try {
      await api('POST', `/devices/${encodeURIComponent(id)}/commands`, { command: 'locate' })
      this.#sent = t('locateSent')
      this.render()
    } catch (error) {
      this.#ctx.onError(error instanceof Error ? error.message : String(error))
    }
  }

  #elderFile(): TemplateResult {
    const e = this.#elder
    if (!e) {
      return html`<section class="elder"><h3>${t('elderFile')}</h3><p>${this.#alarm?.elderId ?? ''}</p></section>`
    }
    const tel = (phone: string | undefined) => (phone ? html`<a href="tel:${phone}">${phone}</a>` : nothing)
    return html`
      <section class="elder">
        <h3>${t('elderFile')}: ${e.name}</h3>
        <dl>
          <dt>${t('phone')}</dt>
          <dd>${tel(e.phone)}</dd>
          <dt>${t('address')}</dt>
          <dd>${e.address ?? ''}</dd>
          <dt>${t('grid')}</dt>
          <dd>${(e.grid ?? []).join(' / ')}</dd>
          <dt>${t('risk')}</dt>
          <dd>${word('risk', e.risk ?? 'medium')}</dd>
          ${e.notes ? html`<dt>${t('notes')}</dt><dd>${e.notes}</dd>` : nothing}
          <dt>${t('contacts')}</dt>
          <dd>
            <ul class="contacts">
              ${(e.contacts ?? []).map(
                (c) => html`<li>${c.name}${c.relation ? ` (${c.relation})` : ''} ${tel(c.phone)}</li>`,
              )}
            </ul>
          </dd>
        </dl>
      </section>
    `
  }

  #candidates(a: Alarm): TemplateResult {
    const list = rankCandidates(a, this.#ctx.carers(), this.#ctx.now())
    const verb = a.carerId ? t('reassign') : t('assign')
    // keyed by carer: a row, and the button with the focus, moves with its carer when the order changes
    return html`
      <section class="candidates">
        <h3>${t('candidates')}</h3>
        ${
          list.length === 0
            ? html`<p class="muted">${t('noCandidates')}</p>`
            : html`<table>
              <thead>
                <tr><th>${t('carer')}</th><th>${t('distance')}</th><th>${t('eta')}</th><th></th></tr>
              </thead>
              <tbody>
                ${repeat(
                  list,
                  (c) => c.carer.id,
                  (c) => html`<tr>
                    <td>${c.carer.name}</td>
                    <td>${meters(c.distanceM)}</td>
                    <td>${minutes(c.etaMin)}</td>
                    <td>
                      <button
                        type="button"
                        class="primary assign"
                        data-carer=${c.carer.id}
                        @click=${() => this.#act({ action: 'assign', carerId: c.carer.id })}
                      >${verb}</button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
        }
      </section>
    `
  }

  #actions(a: Alarm): TemplateResult {
    const draft = this.#draft
    const resolve = (e: Event) => {
      e.preventDefault()
      void this.#act({
        action: 'resolve',
        outcome: draft.outcome,
        ...(draft.note ? { note: draft.note } : {}),
      })
    }
    const note = () => {
      if (draft.note) void this.#act({ action: 'note', note: draft.note })
    }
    return html`
      <section class="actions">
        <button type="button" class="danger" id="act-escalate" @click=${() => this.#act({ action: 'escalate' })}>
          ${t('escalate')}
        </button>
        <form class="inline" @submit=${resolve}>
          <select
            name="outcome"
            aria-label=${t('outcome')}
            @change=${(e: Event) => {
              draft.outcome = (e.target as HTMLSelectElement).value
            }}
          >
            ${outcomes.map((o) => html`<option value=${o} .selected=${live(o === draft.outcome)}>${word('outcome', o)}</option>`)}
          </select>
          <input
            name="note"
            aria-label=${t('note')}
            placeholder=${t('note')}
            maxlength="2000"
            .value=${live(draft.note)}
            @input=${(e: Event) => {
              draft.note = (e.target as HTMLInputElement).value
            }}
          />
          <button type="submit" id="act-resolve">${t('resolve')}</button>
          <button type="button" id="act-note" @click=${note}>${t('addNote')}</button>
        </form>
        ${
          a.state === 'open' || a.state === 'offered'
            ? html`<button type="button" @click=${() => this.#act({ action: 'cancel' })}>${t('cancelAlarm')}</button>`
            : nothing
        }
      </section>
    `
  }

  #timeline(a: Full): TemplateResult {
    return html`
      <section class="timeline">
        <h3>${t('timeline')}</h3>
        <ol id="timeline">
          ${repeat(
            a.timeline,
            (e) => e.seq,
            (e) => html`<li data-type=${e.type}>
              <time>${dateTime(e.at)}</time> ${word('tl', e.type)}${
                e.carerId ? ` · ${this.#ctx.carerName(e.carerId)}` : ''
              }${e.actor ? ` · ${e.actor}` : ''}${e.note ? ` · ${e.note}` : ''}
            </li>`,
          )}
        </ol>
      </section>
    `
  }

  async #act(body: Record<string, string>): Promise<void> {
    const id = this.#alarm?.id
    if (!id) return
    try {
      this.#alarm = await api<Full>('POST', `/alarms/${encodeURIComponent(id)}/actions`, body)
      // what was sent is done with: the note field is empty again for the next one
      if (body.action === 'note' || body.action === 'resolve') this.#draft.note = ''
      this.render()
    } catch (error) {
      this.#ctx.onError(error instanceof Error ? error.message : String(error))
    }
  }
}
