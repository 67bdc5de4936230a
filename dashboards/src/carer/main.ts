import '../shared/style.css'
import './carer.css'
import { html, render as litRender, nothing, type TemplateResult } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import { api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { clock, meters, minutes, word } from '../shared/format.ts'
import { type Key, t, translate } from '../shared/i18n.ts'
import { LiveStream } from '../shared/live.ts'
import type { LiveCarer, LiveMessage } from '../shared/model.ts'
import { outcomes } from '../shared/model.ts'
import { navBar } from '../shared/nav.ts'
import { Ringer } from '../shared/ring.ts'
import { requireSession } from '../shared/session.ts'
import { CarerLink, type LinkStatus } from './link.ts'
import { PositionReporter } from './position.ts'
import {
  amapLink,
  applyReply,
  applyTaskMessage,
  applyTrack,
  dropLapsed,
  geoLink,
  type ReplyAction,
  skewFrom,
  sortTasks,
  type Task,
  type TaskMessage,
} from './tasks.ts'
import { VisitsPanel } from './visits.ts'

/**
 * The carer's phone page, two ways of talking to the gateway:
 * - HTTP (a username and password login): the carer's own live stream, `GET /carers/{id}/tasks`,
 *   `POST /carers/{id}/duty` and `/reply`;
 * - MQTT (a phone session token traded for the carer id and secret at login): the contract's carer
 *   topics over `/mqtt`, the token as the MQTT password; the task
 *   list is built from the `task` downlinks, which carry the elder's file.
 */
interface Mode {
  /** The gateway's "now", as well as this mode can tell it. */
  now(): number
  duty(): 'on' | 'off' | undefined
  setDuty(next: 'on' | 'off'): Promise<void>
  send(task: Task, action: ReplyAction, extra: Record<string, unknown>): Promise<void>
}

const session = requireSession(['carer'])
// chosen at the end of this module, once everything the modes call is defined
let mode: Mode
const ringer = new Ringer('care.carer.muted')
let tasks: Task[] = []
/** Replies on their way, by alarm: sent and not yet acknowledged, or an accept awaiting `assigned`. */
const pending = new Map<string, 'sending' | 'confirming'>()

const status = h('span', { class: 'status', id: 'live-status', role: 'status' })
const duty = h('button', { type: 'button', id: 'duty', class: 'duty', 'aria-pressed': 'false' })
const dutyNote = h('p', { class: 'muted hidden', id: 'duty-note' })
const list = h('section', { id: 'tasks', 'aria-live': 'polite', 'aria-labelledby': 'tasks-title' })
const error = h('p', { class: 'error', role: 'alert', id: 'carer-error' })
const visits = new VisitsPanel()
byId('app').append(
  navBar(session, [status]),
  h('main', { class: 'carer' }, duty, dutyNote, error, list, visits.element),
)
translate()

// ---- HTTP: the live stream says when to read the tasks again ----

function httpMode(): Mode {
  let me: LiveCarer | undefined
  const live = new LiveStream(onMessage, (s) => showStatus(s === 'live' ? 'live' : s))

  function onMessage(message: LiveMessage): void {
    // the carer's stream holds only this carer and their own alarms (gateway/live/hub.ts)
    if (message.type === 'snapshot') {
      me = message.carers[0]
      renderDuty()
      void refresh()
      if (me) visits.start(me.id)
    } else if (message.type === 'carer') {
      me = message.carer
      renderDuty()
    } else if (message.type === 'alarm') {
      void refresh()
    } else if (message.type === 'track') {
      tasks = applyTrack(tasks, message.track)
      render()
    }
  }

  async function refresh(): Promise<void> {
    if (!me) return
    try {
      tasks = (await api<{ items: Task[] }>('GET', `/carers/${me.id}/tasks`)).items
      error.textContent = ''
    } catch (err) {
      error.textContent = String(err)
    }
    render()
  }

  live.start()
  Object.assign(window, { careCarer: { live } })
  return {
    now: () => live.now(),
    duty: () => me?.duty,
    async setDuty(next) {
      if (!me) return
      const res = await api<{ duty: 'on' | 'off' }>('POST', `/carers/${me.id}/duty`, { status: next })
      me = { ...me, duty: res.duty }
    },
    async send(task, action, extra) {
      if (!me) return
      try {
        await api('POST', `/carers/${me.id}/reply`, {
          alarmId: task.alarmId,
          action,
          ts: Math.round(live.now()),
          ...extra,
        })
      } finally {
        await refresh()
      }
    },
  }
}

// ---- MQTT: the contract's carer topics, the list kept on the phone ----

function mqttMode(credentials: { carerId: string; token: string }): Mode {
  const tasksKey = `care.carer.tasks.${credentials.carerId}`
  const dutyKey = `care.carer.duty.${credentials.carerId}`
  let skewMs = 0
  let said = localStorage.getItem(dutyKey) as 'on' | 'off' | null
  tasks = sortTasks(readTasks(tasksKey))

  const link = new CarerLink(credentials, onTask, showStatus, (m) => setTasks(applyTrack(tasks, m)))
  const positions = new PositionReporter((fix) => {
    if (!link.connected) return false
    link.publish('loc', fix, 0).catch(() => undefined)
    return true
  })

  function onTask(m: TaskMessage): void {
    skewMs = skewFrom(m, Date.now(), skewMs)
    if (m.action === 'withdrawn' && pending.has(m.alarmId)) {
      pending.delete(m.alarmId)
      error.textContent = t('offerGone')
    }
    if (m.action === 'assigned') pending.delete(m.alarmId)
    setTasks(applyTaskMessage(tasks, m))
  }

  function setTasks(next: Task[]): void {
    tasks = next
    localStorage.setItem(tasksKey, JSON.stringify(tasks))
    render()
  }

  // an offer whose `withdrawn` never came (the phone was away too long) goes when it runs out
  setInterval(() => {
    const kept = dropLapsed(tasks, Date.now() + skewMs)
    if (kept.length !== tasks.length) setTasks(kept)
  }, 1000)

  link.start()
  visits.start(credentials.carerId)
  if (said === 'on') positions.start()
  dutyNote.textContent = t('dutyNote')
  dutyNote.classList.remove('hidden')
  Object.assign(window, { careCarer: { link } })
  return {
    now: () => Date.now() + skewMs,
    duty: () => said ?? undefined,
    async setDuty(next) {
      await link.publish('duty', { status: next })
      said = next
      localStorage.setItem(dutyKey, next)
      if (next === 'on') positions.start()
      else positions.stop()
    },
    async send(task, action, extra) {
      // the phone's own clock: contract, `ts` is the sender's
      await link.publish('reply', { alarmId: task.alarmId, action, ts: Date.now(), ...extra })
      // the gateway answers an accept with `assigned` (or `withdrawn`), which may come before the PUBACK
      const stillOffered = tasks.some((x) => x.alarmId === task.alarmId && x.action === 'offer')
      if (action === 'accept' && stillOffered) pending.set(task.alarmId, 'confirming')
      setTasks(applyReply(tasks, task.alarmId, action))
    },
  }
}

function readTasks(key: string): Task[] {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown
    return Array.isArray(saved) ? (saved as Task[]) : []
  } catch {
    return []
  }
}

// ---- the page, the same in both modes ----

const statusText: Record<LinkStatus, Key> = {
  live: 'live',
  connecting: 'linkConnecting',
  reconnecting: 'reconnecting',
  refused: 'linkRefused',
  elsewhere: 'linkElsewhere',
}

function showStatus(s: LinkStatus): void {
  status.dataset.status = s
  const mark = s === 'live' ? '●' : s === 'refused' ? '✕' : '○'
  const via = session.mqtt && s === 'live' ? ' · MQTT' : ''
  status.textContent = `${mark} ${t(statusText[s])}${via}`
  if (s === 'refused') {
    error.replaceChildren(
      `${t('linkRefused')} `,
      h('a', { href: '/login?next=%2Fcarer', id: 'sign-in-again' }, t('signInAgain')),
    )
  }
}

function renderDuty(): void {
  const now = mode.duty()
  duty.textContent = now === 'on' ? `${t('onDuty')} · ${t('dutyOff')}` : `${t('offDuty')} · ${t('dutyOn')}`
  duty.dataset.duty = now ?? 'unknown'
  duty.setAttribute('aria-pressed', String(now === 'on'))
}

duty.addEventListener('click', async () => {
  if (duty.getAttribute('aria-busy') === 'true') return
  duty.setAttribute('aria-busy', 'true')
  try {
    await mode.setDuty(mode.duty() === 'on' ? 'off' : 'on')
    error.textContent = ''
  } catch (err) {
    error.textContent = err instanceof Error ? err.message : String(err)
  } finally {
    duty.removeAttribute('aria-busy')
    renderDuty()
  }
})

function offers(): Task[] {
  return tasks.filter((task) => task.action === 'offer' && (task.expiresAt ?? Infinity) > mode.now())
}

/** A live offer rings and vibrates until it is answered or runs out. */
function alert(): void {
  if (offers().some((task) => !pending.has(task.alarmId))) {
    ringer.start()
    navigator.vibrate?.([400, 200, 400])
    document.body.dataset.ringing = 'true'
  } else {
    ringer.stop()
    document.body.dataset.ringing = 'false'
  }
}

/** The control the carer was on in the list, kept while an update takes it away (disabled, gone). */
let focusMemory: { id: string; alarm: string | undefined } | undefined

/**
 * Draws the list with lit-html (STYLE.md 19): cards keyed by alarm, so an update patches what changed
 * and a half-written note, the chosen outcome and the focused control stay as they are. When the
 * control pressed is gone (the task moved on), focus goes to the task's next step.
 */
function render(): void {
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : undefined
  if (active && list.contains(active)) {
    focusMemory = { id: active.id, alarm: active.closest<HTMLElement>('article.task')?.dataset.alarm }
  } else if (active && active !== document.body) {
    focusMemory = undefined // the carer moved on to something else
  }
  draw()
  if (focusMemory) refocus(focusMemory)
  alert()
}

/** The list as it is now; also once a second, for the countdowns. */
function draw(): void {
  litRender(
    html`<h2 id="tasks-title" tabindex="-1">${t('myTasks')}</h2>
      ${
        tasks.length === 0
          ? html`<p class="muted" id="no-tasks">${t('noTasks')}</p>`
          : repeat(tasks, (task) => task.alarmId, card)
      }`,
    list,
  )
}

document.addEventListener('pointerdown', (e) => {
  if (!(e.target instanceof Node && list.contains(e.target))) focusMemory = undefined
})

function refocus(memory: { id: string; alarm: string | undefined }): void {
  const same = memory.id ? document.getElementById(memory.id) : null
  if (same && !same.matches(':disabled')) {
    if (document.activeElement !== same) same.focus()
    return
  }
  const article = memory.alarm
    ? list.querySelector<HTMLElement>(`article.task[data-alarm="${CSS.escape(memory.alarm)}"]`)
    : null
  if (article) {
    // the step pressed is waiting for its answer, or done: stay on the task, or on its next step
    const next = article.querySelector<HTMLElement>('.buttons button:not(:disabled), .buttons select')
    if (next) return next.focus()
    if (same) return // disabled while sending: focus comes back to it when it is enabled again
  }
  byId('tasks-title').focus()
}

function card(task: Task): TemplateResult {
  const isOffer = task.action === 'offer'
  const left =
    task.expiresAt !== undefined ? Math.max(0, Math.round((task.expiresAt - mode.now()) / 1000)) : 0
  const state = pending.get(task.alarmId) === 'confirming' ? 'confirming' : (task.state ?? task.action)
  const elder = task.elder
  return html`<article
    class="task${isOffer ? ' offer' : ''}${task.reminded ? ' reminded' : ''}"
    data-alarm=${task.alarmId}
    data-state=${state}
    aria-label=${`P${task.alarm.priority} ${word('kind', task.alarm.kind)} ${elder.name}`}
  >
    <header>
      <span class="prio prio-${task.alarm.priority}">P${task.alarm.priority}</span>
      ${word('kind', task.alarm.kind)} ·
      ${isOffer ? html`<strong>${t('offer')}</strong>` : word('state', task.state ?? 'accepted')}
      ${
        isOffer && task.expiresAt !== undefined
          ? html`<span class="countdown">${t('expiresIn', { s: left })}</span>`
          : nothing
      }
    </header>
    ${task.reminded ? html`<p class="reminder">${t('reminder')}</p>` : nothing}
    <p class="elder-name">${elder.name} · ${meters(task.distanceM)} · ${minutes(task.etaMin)}</p>
    <p>${elder.address}</p>
    ${task.latest ? latestFix(task.latest) : nothing}
    ${elder.notes ? html`<p class="muted">${elder.notes}</p>` : nothing}
    <div class="links">
      ${elder.phone ? html`<a class="button" href="tel:${elder.phone}">☎ ${t('call')}</a>` : nothing}
      <a class="button" href=${geoLink(task)}>➤ ${t('navigate')}</a>
      <a class="button" href=${amapLink(task)} target="_blank" rel="noopener">${t('navigateAmap')}</a>
      ${elder.contacts.map(
        (c) =>
          html`<a class="button" href="tel:${c.phone}">☎ ${c.name}${c.relation ? `（${c.relation}）` : ''}</a>`,
      )}
    </div>
    ${isOffer ? offerButtons(task) : progressButtons(task)}
  </article>`
}

/** 防走失: where the elder was last seen, how long ago and how precisely; navigation goes there. */
function latestFix(latest: NonNullable<Task['latest']>): TemplateResult {
  const ageS = Math.max(0, Math.round((mode.now() - latest.receivedAt) / 1000))
  return html`<p class="latest" data-lat=${latest.lat} data-lon=${latest.lon}>
    📍 ${t('trackLatest')} · ${clock(ageS * 1000)} · ±${latest.acc === undefined ? '—' : Math.round(latest.acc)} m
  </p>`
}

function waiting(task: Task): TemplateResult | typeof nothing {
  const p = pending.get(task.alarmId)
  return p ? html`<p class="muted pending" role="status">${t(p)}</p>` : nothing
}

function offerButtons(task: Task): TemplateResult {
  const busy = pending.has(task.alarmId)
  return html`<div class="buttons">
    <button
      type="button"
      class="primary big"
      id="accept-${task.alarmId}"
      ?disabled=${busy}
      @click=${() => reply(task, 'accept')}
    >${t('accept')}</button>
    <button
      type="button"
      class="big"
      id="decline-${task.alarmId}"
      ?disabled=${busy}
      @click=${() => reply(task, 'decline')}
    >${t('decline')}</button>
    ${waiting(task)}
  </div>`
}

function progressButtons(task: Task): TemplateResult {
  const busy = pending.has(task.alarmId)
  if (task.state !== 'arrived') {
    return html`<div class="buttons">
      <button
        type="button"
        class="primary big"
        id="arrive-${task.alarmId}"
        ?disabled=${busy}
        @click=${() => arrive(task)}
      >${t('arrive')}</button>
      ${waiting(task)}
    </div>`
  }
  const submit = (e: Event) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const outcome = (form.elements.namedItem('outcome') as HTMLSelectElement).value
    const note = (form.elements.namedItem('note') as HTMLTextAreaElement).value
    void reply(task, 'resolve', { outcome, ...(note ? { note } : {}) })
  }
  // the fields keep what the carer chose and wrote: the same elements stay across updates
  return html`<form class="buttons resolve" @submit=${submit}>
    <select aria-label=${t('outcome')} name="outcome" id="outcome-${task.alarmId}">
      ${outcomes.map((o) => html`<option value=${o}>${word('outcome', o)}</option>`)}
    </select>
    <textarea
      aria-label=${t('note')}
      placeholder=${t('note')}
      rows="2"
      name="note"
      id="note-${task.alarmId}"
      maxlength="1000"
    ></textarea>
    <button type="submit" class="primary big" id="resolve-${task.alarmId}" ?disabled=${busy}>
      ${t('resolve')}
    </button>
    ${waiting(task)}
  </form>`
}

/** "Arrived" takes the phone's position for the check-in (contract: arrive records the distance). */
function arrive(task: Task): void {
  error.textContent = t('locating')
  if (!navigator.geolocation) {
    void reply(task, 'arrive')
    return
  }
  navigator.geolocation.getCurrentPosition(
    (p) => void reply(task, 'arrive', { lat: p.coords.latitude, lon: p.coords.longitude }),
    () => {
      error.textContent = t('geoFailed')
      void reply(task, 'arrive', {}, false)
    },
    { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
  )
}

async function reply(
  task: Task,
  action: ReplyAction,
  extra: Record<string, unknown> = {},
  clearError = true,
): Promise<void> {
  if (pending.has(task.alarmId)) return
  pending.set(task.alarmId, 'sending')
  render()
  try {
    await mode.send(task, action, extra)
    if (clearError) error.textContent = ''
  } catch (err) {
    error.textContent = err instanceof Error ? err.message : String(err)
  } finally {
    if (pending.get(task.alarmId) === 'sending') pending.delete(task.alarmId)
    render()
  }
}

setInterval(() => {
  // the countdowns move on; nothing else changes, and focus and fields are left alone
  if (tasks.some((task) => task.action === 'offer' || task.latest)) draw()
  if (ringer.ringing && offers().length === 0) alert()
}, 1000)

// last: the modes start at once, and use everything above
mode = session.mqtt ? mqttMode({ carerId: session.mqtt.carerId, token: session.token ?? '' }) : httpMode()
document.body.dataset.mode = session.mqtt ? 'mqtt' : 'http'
if (session.mqtt) {
  // the list kept on the phone shows at once; over HTTP it comes with the live snapshot
  render()
  renderDuty()
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/carer-sw.js', { scope: '/carer' })
    .catch((err: unknown) => console.warn(err))
}
