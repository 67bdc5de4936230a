import { html, nothing, render } from 'lit-html'
import { h } from '../shared/dom.ts'
import type { Device, Elder, LiveMessage } from '../shared/model.ts'
import { listTable, Paged, seg } from './account-list.ts'
import { when } from './account-time.ts'
import { aw, awOf } from './accounts-words.ts'
import { ElderNames } from './device-elders.ts'
import type { SectionView } from './section.ts'

/** What a `device` event of the live stream says of a device. */
export type LiveDevice = Extract<LiveMessage, { type: 'device' }>['device']

/** A device's state as last heard: the live stream's word over the list's, once it has spoken. */
export interface Heard {
  online: boolean
  battery?: number
  at: number
}

export function onlineWord(online: boolean | undefined): string {
  return online === undefined ? aw('unknown') : online ? aw('online') : aw('offline')
}

/**
 * The devices, newest first, a page at a time (`GET /devices`): kind, the elder (by name, linked to
 * their file), connection, battery, last heard and last test press. Connection and battery follow the
 * live stream's `device` events while the list is shown; rows are keyed by id (lit-html), so an update
 * patches the cells that changed and the keyboard focus stays where it was.
 */
export function deviceList(root: HTMLElement): SectionView {
  const list = new Paged<Device>('/devices')
  const heard = new Map<string, Heard>()
  const names = new ElderNames()
  const elders = new Map<string, Elder | null>()
  let gone = false

  const body = h('div', { id: 'device-list' })
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('devices')),
      h(
        'a',
        { href: '#/devices/new', id: 'device-new', class: 'button primary' },
        `＋ ${aw('registerDevice')}`,
      ),
    ),
    body,
  )

  const draw = () => {
    if (!gone) render(table(), body)
  }

  const nameElders = (devices: readonly Device[]) => {
    for (const id of new Set(devices.map((d) => d.elderId))) {
      if (elders.has(id)) continue
      elders.set(id, null)
      void names.get(id).then((elder) => {
        elders.set(id, elder ?? null)
        draw()
      })
    }
  }

  const more = async () => {
    const before = list.items.length
    const loading = list.more()
    draw()
    await loading
    nameElders(list.items.slice(before))
    draw()
  }

  const row = (d: Device) => {
    const live = heard.get(d.id)
    const online = live ? live.online : d.online
    const battery = live?.battery ?? d.battery
    const lastSeen = live ? Math.max(live.at, d.lastSeenAt ?? 0) : d.lastSeenAt
    const elder = elders.get(d.elderId)
    return html`<tr class="device-row" data-id=${d.id} data-online=${online === undefined ? 'unknown' : String(online)}>
      <td><a href="#/devices/${seg(d.id)}">${d.id}</a></td>
      <td>${awOf('dk', d.kind)}</td>
      <td class="elder">
        <a href="#/elders/${seg(d.elderId)}">${elder ? elder.name : d.elderId}</a>
        ${elder ? html`<small class="muted">${d.elderId}</small>` : nothing}
      </td>
      <td class="online"><span class="dot" aria-hidden="true">${online ? '●' : '○'}</span> ${onlineWord(online)}</td>
      <td class="battery">${battery === undefined ? '—' : `${battery}%`}</td>
      <td class="last-seen">${when(lastSeen)}</td>
      <td class="last-test">${when(d.lastTestAt)}</td>
      <td>${d.intervalS}</td>
    </tr>`
  }

  const table = () =>
    listTable({
      id: 'devices-table',
      headings: ['id', 'deviceKind', 'elder', 'connection', 'battery', 'lastSeen', 'lastTest', 'interval'],
      list,
      key: (d) => d.id,
      row,
      more,
    })

  void more()
  return {
    onLive(message) {
      if (message.type !== 'device') return
      const { id, online, battery } = message.device
      heard.set(id, { online, ...(battery !== undefined ? { battery } : {}), at: message.at })
      draw()
    },
    leave() {
      gone = true
    },
  }
}
