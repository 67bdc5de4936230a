import '../shared/style.css'
import './carer.css'
import { api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { meters, minutes, word } from '../shared/format.ts'
import { t, translate } from '../shared/i18n.ts'
import { type LiveStatus, LiveStream } from '../shared/live.ts'
import type { LiveCarer, LiveMessage } from '../shared/model.ts'
import { outcomes } from '../shared/model.ts'
import { navBar } from '../shared/nav.ts'
import { Ringer } from '../shared/ring.ts'
import { requireSession } from '../shared/session.ts'
import { amapLink, geoLink, type Task } from './tasks.ts'

const session = requireSession(['carer'])
const ringer = new Ringer('care.carer.muted')
let me: LiveCarer | undefined
let tasks: Task[] = []

const status = h('span', { class: 'status', id: 'live-status', role: 'status' })
const duty = h('button', { type: 'button', id: 'duty', class: 'duty', 'aria-pressed': 'false' })
const list = h('section', { id: 'tasks', 'aria-live': 'polite' })
const error = h('p', { class: 'error', role: 'alert', id: 'carer-error' })
byId('app').append(navBar(session, [status]), h('main', { class: 'carer' }, duty, error, list))
translate()

const live = new LiveStream(onMessage, onStatus)

function onStatus(s: LiveStatus): void {
  status.dataset.status = s
  status.textContent = s === 'live' ? `● ${t('live')}` : `○ ${t('reconnecting')}`
}

function onMessage(message: LiveMessage): void {
  // the carer's stream holds only this carer and their own alarms (gateway/live/hub.ts)
  if (message.type === 'snapshot') {
    me = message.carers[0]
    renderDuty()
    void refresh()
  } else if (message.type === 'carer') {
    me = message.carer
    renderDuty()
  } else if (message.type === 'alarm') {
    void refresh()
  }
}

function renderDuty(): void {
  const on = me?.duty === 'on'
  duty.textContent = on ? `${t('onDuty')} · ${t('dutyOff')}` : `${t('offDuty')} · ${t('dutyOn')}`
  duty.dataset.duty = on ? 'on' : 'off'
  duty.setAttribute('aria-pressed', String(on))
}

duty.addEventListener('click', async () => {
  if (!me) return
  try {
    const res = await api<{ duty: 'on' | 'off' }>('POST', `/carers/${me.id}/duty`, {
      status: me.duty === 'on' ? 'off' : 'on',
    })
    me = { ...me, duty: res.duty }
    renderDuty()
  } catch (err) {
    error.textContent = String(err)
  }
})

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

function offers(): Task[] {
  return tasks.filter((task) => task.action === 'offer' && (task.expiresAt ?? Infinity) > live.now())
}

/** A live offer rings and vibrates until it is answered or runs out. */
function alert(): void {
  if (offers().length > 0) {
    ringer.start()
    navigator.vibrate?.([400, 200, 400])
    document.body.dataset.ringing = 'true'
  } else {
    ringer.stop()
    document.body.dataset.ringing = 'false'
  }
}

function render(): void {
  list.replaceChildren(
    h('h2', {}, t('myTasks')),
    ...(tasks.length === 0 ? [h('p', { class: 'muted', id: 'no-tasks' }, t('noTasks'))] : tasks.map(card)),
  )
  alert()
}

function card(task: Task): HTMLElement {
  const isOffer = task.action === 'offer'
  const left =
    task.expiresAt !== undefined ? Math.max(0, Math.round((task.expiresAt - live.now()) / 1000)) : 0
  return h(
    'article',
    {
      class: `task${isOffer ? ' offer' : ''}`,
      dataset: { alarm: task.alarmId, state: task.state ?? task.action },
    },
    h(
      'header',
      {},
      h('span', { class: `prio prio-${task.alarm.priority}` }, `P${task.alarm.priority}`),
      ` ${word('kind', task.alarm.kind)} · `,
      isOffer ? h('strong', {}, t('offer')) : word('state', task.state ?? 'accepted'),
      isOffer && task.expiresAt !== undefined
        ? h(
            'span',
            { class: 'countdown', dataset: { expires: String(task.expiresAt) } },
            ` ${t('expiresIn', { s: left })}`,
          )
        : undefined,
    ),
    h(
      'p',
      { class: 'elder-name' },
      task.elder.name,
      ` · ${meters(task.distanceM)} · ${minutes(task.etaMin)}`,
    ),
    h('p', {}, task.elder.address),
    task.elder.notes ? h('p', { class: 'muted' }, task.elder.notes) : undefined,
    h(
      'div',
      { class: 'links' },
      task.elder.phone
        ? h('a', { class: 'button', href: `tel:${task.elder.phone}` }, `☎ ${t('call')}`)
        : undefined,
      h('a', { class: 'button', href: geoLink(task) }, `➤ ${t('navigate')}`),
      h('a', { class: 'button', href: amapLink(task), target: '_blank', rel: 'noopener' }, t('navigateAmap')),
      ...task.elder.contacts.map((c) => h('a', { class: 'button', href: `tel:${c.phone}` }, `☎ ${c.name}`)),
    ),
    isOffer ? offerButtons(task) : progressButtons(task),
  )
}

function offerButtons(task: Task): HTMLElement {
  return h(
    'div',
    { class: 'buttons' },
    h(
      'button',
      {
        type: 'button',
        class: 'primary big',
        id: `accept-${task.alarmId}`,
        onclick: () => reply(task, 'accept'),
      },
      t('accept'),
    ),
    h('button', { type: 'button', class: 'big', onclick: () => reply(task, 'decline') }, t('decline')),
  )
}

function progressButtons(task: Task): HTMLElement {
  if (task.state !== 'arrived') {
    return h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        { type: 'button', class: 'primary big', id: `arrive-${task.alarmId}`, onclick: () => arrive(task) },
        t('arrive'),
      ),
    )
  }
  const outcome = h(
    'select',
    { 'aria-label': t('outcome'), name: 'outcome' },
    ...outcomes.map((o) => h('option', { value: o }, word('outcome', o))),
  )
  const note = h('textarea', {
    'aria-label': t('note'),
    placeholder: t('note'),
    rows: 2,
    name: 'note',
    maxlength: 1000,
  })
  return h(
    'form',
    {
      class: 'buttons resolve',
      onsubmit: (e: Event) => {
        e.preventDefault()
        void reply(task, 'resolve', { outcome: outcome.value, ...(note.value ? { note: note.value } : {}) })
      },
    },
    outcome,
    note,
    h('button', { type: 'submit', class: 'primary big', id: `resolve-${task.alarmId}` }, t('resolve')),
  )
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
      void reply(task, 'arrive')
    },
    { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
  )
}

async function reply(task: Task, action: string, extra: Record<string, unknown> = {}): Promise<void> {
  if (!me) return
  try {
    await api('POST', `/carers/${me.id}/reply`, {
      alarmId: task.alarmId,
      action,
      ts: Math.round(live.now()),
      ...extra,
    })
    error.textContent = ''
  } catch (err) {
    error.textContent = err instanceof Error ? err.message : String(err)
  }
  await refresh()
}

setInterval(() => {
  for (const el of list.querySelectorAll<HTMLElement>('.countdown')) {
    const s = Math.max(0, Math.round((Number(el.dataset.expires) - live.now()) / 1000))
    el.textContent = ` ${t('expiresIn', { s })}`
  }
  if (ringer.ringing && offers().length === 0) alert()
}, 1000)

if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/carer-sw.js', { scope: '/carer' })
    .catch((err: unknown) => console.warn(err))
}
live.start()
