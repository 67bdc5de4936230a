import { html, render } from 'lit-html'
import type { Carer } from '../../../gateway/registry/schemas.ts'
import { h } from '../shared/dom.ts'
import type { LiveCarer } from '../shared/model.ts'
import { listTable, Paged, seg } from './account-list.ts'
import { GatewayClock } from './account-time.ts'
import { aw, awOf } from './accounts-words.ts'
import { carerNow, dutyWord, fixAge, setDuty } from './carer-duty.ts'
import type { SectionView } from './section.ts'

/** Ages ("fix 3 min ago") move on by themselves this often. */
const TICK_MS = 15_000

/**
 * The carers, newest first, a page at a time (`GET /carers`: the registry's fields), with what the live
 * stream says of each (duty, busy, last fix, alarms today: the snapshot, then `carer` events). Each row
 * puts its carer on or off duty on their behalf. Rows are keyed by id (lit-html), so a live update keeps
 * the keyboard focus where it was.
 */
export function carerList(root: HTMLElement): SectionView {
  const list = new Paged<Carer>('/carers')
  const live = new Map<string, LiveCarer>()
  const refused = new Map<string, string>()
  const clock = new GatewayClock()
  let gone = false

  const body = h('div', { id: 'carer-list' })
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('carers')),
      h('a', { href: '#/carers/new', id: 'carer-new', class: 'button primary' }, `＋ ${aw('addCarer')}`),
    ),
    h('p', { class: 'muted' }, aw('dutyHint')),
    body,
  )
  const draw = () => {
    if (!gone) render(table(), body)
  }
  const more = async () => {
    const loading = list.more()
    draw()
    await loading
    draw()
  }

  const toggle = async (c: Carer, to: 'on' | 'off') => {
    refused.delete(c.id)
    try {
      const answer = await setDuty(c.id, to)
      const known = live.get(c.id)
      if (known) live.set(c.id, { ...known, duty: answer.duty, busy: answer.busy })
      else c.duty = answer.duty
    } catch (error) {
      refused.set(c.id, error instanceof Error ? error.message : String(error))
    }
    draw()
  }

  const row = (c: Carer) => {
    const now = carerNow(c, live.get(c.id))
    const to = now.duty === 'on' ? 'off' : 'on'
    return html`<tr class="carer-row" data-id=${c.id} data-duty=${now.duty === 'on' && now.busy ? 'busy' : now.duty}>
      <td><a href="#/carers/${seg(c.id)}">${c.id}</a></td>
      <td class="name">${c.name}</td>
      <td class="duty">
        <span class="duty-word">${dutyWord(now)}</span>
        <button type="button" class="duty-toggle" data-id=${c.id} @click=${() => void toggle(c, to)}>
          ${to === 'on' ? aw('putOnDuty') : aw('putOffDuty')}
        </button>
        <span class="row-error" role="alert">${refused.get(c.id) ?? ''}</span>
      </td>
      <td class="last-fix">${fixAge(now, clock.now())}</td>
      <td class="station">${c.station ?? ''}</td>
      <td class="mode">${awOf('mode', c.mode)}</td>
      <td class="alarms-today">${now.alarmsToday ?? '—'}</td>
      <td class="phone">${c.phone ?? ''}</td>
    </tr>`
  }

  const table = () =>
    listTable({
      id: 'carers-table',
      headings: ['id', 'displayName', 'duty', 'lastFix', 'station', 'mode', 'alarmsToday', 'phone'],
      list,
      key: (c) => c.id,
      row,
      more,
    })

  const ticking = setInterval(draw, TICK_MS)
  void more()
  return {
    onLive(message) {
      clock.heard(message)
      if (message.type === 'snapshot') {
        live.clear()
        for (const c of message.carers) live.set(c.id, c)
      } else if (message.type === 'carer') {
        live.set(message.carer.id, message.carer)
      } else return
      draw()
    },
    leave() {
      gone = true
      clearInterval(ticking)
    },
  }
}
