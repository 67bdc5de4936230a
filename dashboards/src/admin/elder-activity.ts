import { html, nothing, render, type TemplateResult } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import { api } from '../shared/api.ts'
import { dateTime, word } from '../shared/format.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Device, LiveMessage } from '../shared/model.ts'
import { type ElderWord, ew } from './elders-words.ts'

const RECENT = 20

/** The live stream's view of a device: what its last `status` said. */
export type LiveDevice = Extract<LiveMessage, { type: 'device' }>['device']

/** A device with what a `status` since its record was read says (online, battery, when). */
export function heardDevice(d: Device, live: LiveDevice, at: number): Device {
  return {
    ...d,
    online: live.online,
    lastSeenAt: at,
    ...(live.battery !== undefined ? { battery: live.battery } : {}),
  }
}

/** ● online, ○ offline, – never reported: shape as well as colour. */
export function deviceState(d: Pick<Device, 'online'>): TemplateResult {
  const state = d.online === undefined ? 'unknown' : d.online ? 'online' : 'offline'
  const mark = state === 'online' ? '●' : state === 'offline' ? '○' : '–'
  const text = state === 'online' ? ew('online') : state === 'offline' ? ew('offline') : ew('unknownState')
  return html`<span class="dev-state" data-state=${state}>${mark} ${text}</span>`
}

/**
 * What is bound to one elder and what happened to them: the devices, online state kept live from
 * the stream's `device` events, and the recent alarms, kept live from its `alarm` events. lit-html,
 * rows keyed by id (STYLE.md 19); every value a text binding.
 */
export class ElderActivity {
  readonly #root: HTMLElement
  readonly #elderId: string
  #devices: Device[] | undefined
  #alarms: Alarm[] | undefined
  #failed = ''
  #gone = false

  constructor(root: HTMLElement, elderId: string) {
    this.#root = root
    this.#elderId = elderId
    this.#render()
  }

  /** The device ids bound now (the erasure's dialog names them). */
  deviceIds(): string[] {
    return (this.#devices ?? []).map((d) => d.id)
  }

  async load(): Promise<void> {
    const id = encodeURIComponent(this.#elderId)
    try {
      const [devices, alarms] = await Promise.all([
        api<{ items: Device[] }>('GET', `/devices?elderId=${id}&limit=500`),
        api<{ items: Alarm[] }>('GET', `/alarms?elderId=${id}&limit=${RECENT}`),
      ])
      if (this.#gone) return
      this.#devices = devices.items
      // events heard while loading are newer than the answer: keep them
      this.#alarms = mergeAlarms(alarms.items, this.#alarms ?? [])
    } catch (error) {
      this.#failed = error instanceof Error ? error.message : String(error)
    }
    this.#render()
  }

  hear(message: LiveMessage): void {
    if (message.type === 'device' && message.device.elderId === this.#elderId) {
      const known = this.#devices?.find((d) => d.id === message.device.id)
      // a device bound since the list was read: read it again, with the record's kind and times
      if (!known) {
        void this.#reloadDevices()
        return
      }
      this.#devices = (this.#devices ?? []).map((d) =>
        d.id === known.id ? heardDevice(d, message.device, message.at) : d,
      )
      this.#render()
    } else if (message.type === 'alarm' && message.alarm.elderId === this.#elderId) {
      this.#alarms = mergeAlarms(this.#alarms ?? [], [message.alarm])
      this.#render()
    }
  }

  leave(): void {
    this.#gone = true
  }

  async #reloadDevices(): Promise<void> {
    const id = encodeURIComponent(this.#elderId)
    const devices = await api<{ items: Device[] }>('GET', `/devices?elderId=${id}&limit=500`).catch(
      () => undefined,
    )
    if (!devices || this.#gone) return
    this.#devices = devices.items
    this.#render()
  }

  #render(): void {
    const elder = encodeURIComponent(this.#elderId)
    render(
      html`
        <section class="card elder-devices" aria-labelledby="elder-devices-title">
          <header class="card-head">
            <h3 id="elder-devices-title">${ew('boundDevices')}</h3>
            <a class="button" id="bind-device" href=${`#/devices/new?elder=${elder}`}>＋ ${ew('bindDevice')}</a>
          </header>
          ${this.#failed ? html`<p class="error" role="alert">${ew('loadFailed', { message: this.#failed })}</p>` : nothing}
          ${this.#devicesTable()}
        </section>
        <section class="card elder-alarms" aria-labelledby="elder-alarms-title">
          <header class="card-head"><h3 id="elder-alarms-title">${ew('recentAlarms')}</h3></header>
          ${this.#alarmsTable()}
        </section>
      `,
      this.#root,
    )
  }

  #devicesTable(): TemplateResult {
    const devices = this.#devices
    if (!devices) return html`<p class="muted">${ew('loading')}</p>`
    if (devices.length === 0) return html`<p class="muted" id="no-devices">${ew('noDevice')}</p>`
    return html`<table id="elder-devices">
      <thead>
        <tr><th scope="col">${t('device')}</th><th scope="col">${ew('kindLabel')}</th><th scope="col">${t('state')}</th><th scope="col">${ew('batteryLabel')}</th><th scope="col">${t('lastSeen')}</th></tr>
      </thead>
      <tbody>
        ${repeat(
          devices,
          (d) => d.id,
          (d) => html`<tr data-device=${d.id}>
            <td><a href=${`#/devices/${encodeURIComponent(d.id)}`}>${d.id}</a></td>
            <td>${ew(`deviceKind_${d.kind}` as ElderWord)}</td>
            <td>${deviceState(d)}</td>
            <td class="battery">${d.battery === undefined ? '' : `${d.battery}%`}</td>
            <td>${d.lastSeenAt === undefined ? '' : dateTime(d.lastSeenAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`
  }

  #alarmsTable(): TemplateResult {
    const alarms = this.#alarms
    if (!alarms) return html`<p class="muted">${ew('loading')}</p>`
    if (alarms.length === 0) return html`<p class="muted" id="no-alarms">${ew('noRecentAlarms')}</p>`
    return html`<table id="elder-alarms">
      <thead>
        <tr><th scope="col">${t('raisedAt')}</th><th scope="col">${t('kind')}</th><th scope="col">${t('priority')}</th><th scope="col">${t('state')}</th><th scope="col">${t('outcome')}</th></tr>
      </thead>
      <tbody>
        ${repeat(
          alarms,
          (a) => a.id,
          (a) => html`<tr data-alarm=${a.id} data-state=${a.state}>
            <td>${dateTime(a.raisedAt)}</td>
            <td>${word('kind', a.kind)}</td>
            <td><span class="prio prio-${a.priority}">P${a.priority}</span></td>
            <td>${word('state', a.state)}</td>
            <td>${a.outcome ? word('outcome', a.outcome) : ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>`
  }
}

/** Alarms by id, the later sequence winning; newest raised first, the most recent 20. */
function mergeAlarms(base: readonly Alarm[], newer: readonly Alarm[]): Alarm[] {
  const byId = new Map(base.map((a) => [a.id, a]))
  for (const a of newer) {
    const known = byId.get(a.id)
    if (!known || known.seq <= a.seq) byId.set(a.id, a)
  }
  return [...byId.values()].sort((a, b) => b.raisedAt - a.raisedAt).slice(0, RECENT)
}
