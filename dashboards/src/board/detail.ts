import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { clock, dateTime, meters, minutes, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Elder, LiveCarer, TimelineEntry } from '../shared/model.ts'
import { outcomes } from '../shared/model.ts'
import { rankCandidates } from './candidates.ts'

export interface DetailContext {
  carers: () => Iterable<LiveCarer>
  carerName: (id: string) => string
  now: () => number
  onElder: (elder: Elder) => void
  onError: (message: string) => void
}

type Full = Alarm & { timeline: TimelineEntry[] }

/** The alarm detail panel: elder file, timeline, candidates, and the centre's one-click actions. */
export class AlarmDetail {
  readonly #root: HTMLElement
  readonly #ctx: DetailContext
  #alarm: Full | undefined
  #elder: Elder | undefined

  constructor(root: HTMLElement, ctx: DetailContext) {
    this.#root = root
    this.#ctx = ctx
  }

  get alarmId(): string | undefined {
    return this.#alarm?.id
  }

  async open(id: string): Promise<void> {
    const alarm = await api<Full>('GET', `/alarms/${encodeURIComponent(id)}`)
    this.#alarm = alarm
    this.#elder = await api<Elder>('GET', `/elders/${encodeURIComponent(alarm.elderId)}`).catch(
      () => undefined,
    )
    if (this.#elder) this.#ctx.onElder(this.#elder)
    this.render()
    this.#root.querySelector<HTMLElement>('h2')?.focus()
  }

  close(): void {
    this.#alarm = undefined
    this.#root.replaceChildren()
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
    if (!this.#alarm) return
    const old = this.#root.querySelector('.candidates')
    old?.replaceWith(this.#candidates(this.#alarm))
  }

  render(): void {
    const a = this.#alarm
    if (!a) return
    this.#root.classList.remove('hidden')
    const closed = a.state === 'resolved' || a.state === 'cancelled'
    this.#root.replaceChildren(
      h(
        'header',
        { class: 'detail-head' },
        h(
          'h2',
          { tabindex: -1 },
          h('span', { class: `prio prio-${a.priority}` }, `P${a.priority}`),
          ` ${word('kind', a.kind)} · ${a.id}`,
        ),
        h('button', { type: 'button', 'aria-label': t('close'), onclick: () => this.close() }, '✕'),
      ),
      h(
        'p',
        { class: 'detail-state', id: 'detail-state', dataset: { state: a.state } },
        `${t('state')}: ${word('state', a.state)}`,
        a.escalated ? ` · ⚑ ${t('escalatedFlag')}` : '',
        a.carerId ? ` · ${t('carer')}: ${this.#ctx.carerName(a.carerId)}` : '',
        ` · ${clock(this.#ctx.now() - a.raisedAt)}`,
      ),
      this.#elderFile(),
      closed ? h('p', {}, word('state', a.state)) : this.#actions(a),
      closed ? h('div') : this.#candidates(a),
      this.#timeline(a),
    )
  }

  #elderFile(): HTMLElement {
    const e = this.#elder
    if (!e)
      return h(
        'section',
        { class: 'elder' },
        h('h3', {}, t('elderFile')),
        h('p', {}, this.#alarm?.elderId ?? ''),
      )
    const tel = (phone: string | undefined) => (phone ? h('a', { href: `tel:${phone}` }, phone) : '')
    return h(
      'section',
      { class: 'elder' },
      h('h3', {}, `${t('elderFile')}: ${e.name}`),
      h(
        'dl',
        {},
        h('dt', {}, t('phone')),
        h('dd', {}, tel(e.phone)),
        h('dt', {}, t('address')),
        h('dd', {}, e.address ?? ''),
        h('dt', {}, t('grid')),
        h('dd', {}, (e.grid ?? []).join(' / ')),
        h('dt', {}, t('risk')),
        h('dd', {}, word('risk', e.risk ?? 'medium')),
        e.notes ? h('dt', {}, t('notes')) : undefined,
        e.notes ? h('dd', {}, e.notes) : undefined,
        h('dt', {}, t('contacts')),
        h(
          'dd',
          {},
          h(
            'ul',
            { class: 'contacts' },
            ...(e.contacts ?? []).map((c) =>
              h('li', {}, `${c.name}${c.relation ? ` (${c.relation})` : ''} `, tel(c.phone)),
            ),
          ),
        ),
      ),
    )
  }

  #candidates(a: Alarm): HTMLElement {
    const list = rankCandidates(a, this.#ctx.carers(), this.#ctx.now())
    const verb = a.carerId ? t('reassign') : t('assign')
    return h(
      'section',
      { class: 'candidates' },
      h('h3', {}, t('candidates')),
      list.length === 0
        ? h('p', { class: 'muted' }, t('noCandidates'))
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, t('carer')),
                h('th', {}, t('distance')),
                h('th', {}, t('eta')),
                h('th', {}),
              ),
            ),
            h(
              'tbody',
              {},
              ...list.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', {}, c.carer.name),
                  h('td', {}, meters(c.distanceM)),
                  h('td', {}, minutes(c.etaMin)),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'primary assign',
                        dataset: { carer: c.carer.id },
                        onclick: () => this.#act({ action: 'assign', carerId: c.carer.id }),
                      },
                      verb,
                    ),
                  ),
                ),
              ),
            ),
          ),
    )
  }

  #actions(a: Alarm): HTMLElement {
    const outcome = h(
      'select',
      { name: 'outcome', 'aria-label': t('outcome') },
      ...outcomes.map((o) => h('option', { value: o }, word('outcome', o))),
    )
    const note = h('input', {
      name: 'note',
      'aria-label': t('note'),
      placeholder: t('note'),
      maxlength: 2000,
    })
    return h(
      'section',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          id: 'act-escalate',
          onclick: () => this.#act({ action: 'escalate' }),
        },
        t('escalate'),
      ),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e: Event) => {
            e.preventDefault()
            void this.#act({
              action: 'resolve',
              outcome: outcome.value,
              ...(note.value ? { note: note.value } : {}),
            })
          },
        },
        outcome,
        note,
        h('button', { type: 'submit', id: 'act-resolve' }, t('resolve')),
        h(
          'button',
          {
            type: 'button',
            id: 'act-note',
            onclick: () => {
              if (note.value) void this.#act({ action: 'note', note: note.value })
            },
          },
          t('addNote'),
        ),
      ),
      a.state === 'open' || a.state === 'offered'
        ? h('button', { type: 'button', onclick: () => this.#act({ action: 'cancel' }) }, t('cancelAlarm'))
        : undefined,
    )
  }

  #timeline(a: Full): HTMLElement {
    return h(
      'section',
      { class: 'timeline' },
      h('h3', {}, t('timeline')),
      h(
        'ol',
        { id: 'timeline' },
        ...a.timeline.map((e) =>
          h(
            'li',
            { dataset: { type: e.type } },
            h('time', {}, dateTime(e.at)),
            ` ${word('tl', e.type)}`,
            e.carerId ? ` · ${this.#ctx.carerName(e.carerId)}` : '',
            e.actor ? ` · ${e.actor}` : '',
            e.note ? ` · ${e.note}` : '',
          ),
        ),
      ),
    )
  }

  async #act(body: Record<string, string>): Promise<void> {
    const id = this.#alarm?.id
    if (!id) return
    try {
      this.#alarm = await api<Full>('POST', `/alarms/${encodeURIComponent(id)}/actions`, body)
      this.render()
    } catch (error) {
      this.#ctx.onError(error instanceof Error ? error.message : String(error))
    }
  }
}
