import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { dateTime, word } from '../shared/format.ts'
import { lang, t } from '../shared/i18n.ts'
import { LiveStream } from '../shared/live.ts'
import type { LiveMessage } from '../shared/model.ts'
import { type LedgerVisit, vw } from './visits.ts'

/**
 * What the supervisor watches live, read-only and within their grid (民政部门可实时提取服务信息):
 * the open alarms from the live stream, and the visits due today or overdue (`to=today`, the
 * gateway's day), read again when an alarm moves and every minute.
 */

const zh = {
  live: '实时监管',
  openAlarms: '未办结的报警',
  dueVisits: '今日应访与逾期',
  none: '无',
  escalated: '已升级',
  change: '调整',
  moveTo: '改到',
  giveTo: '改派护理员',
  changed: '已调整',
}
const en: typeof zh = {
  live: 'Live supervision',
  openAlarms: 'Open alarms',
  dueVisits: 'Visits due today and overdue',
  none: 'None',
  escalated: 'escalated',
  change: 'Change',
  moveTo: 'Move to',
  giveTo: 'Give to carer',
  changed: 'Changed',
}
const lw = (k: keyof typeof zh) => (lang() === 'en' ? en : zh)[k]

interface OpenAlarm {
  id: string
  kind: string
  priority: number
  state: string
  escalated: boolean
  elderId: string
  raisedAt: number
}

const closed = new Set(['resolved', 'cancelled'])

/**
 * The centre's hand on a visit (admin, dispatcher): move it to another day, give it to another carer
 * (`PATCH /visits/{id}`). A supervisor only reads.
 */
function changeForm(v: LedgerVisit, done: () => void): HTMLElement {
  const day = h('input', { type: 'date', name: 'dueDay', 'aria-label': lw('moveTo'), id: `move-${v.id}` })
  const carer = h('input', {
    name: 'carerId',
    placeholder: lw('giveTo'),
    'aria-label': lw('giveTo'),
    maxlength: 64,
    size: 8,
    id: `give-${v.id}`,
  })
  const said = h('span', { class: 'muted', role: 'status', id: `changed-${v.id}` })
  const form = h(
    'form',
    { class: 'visit-change', dataset: { visit: v.id } },
    day,
    carer,
    h('button', { type: 'submit', id: `change-${v.id}` }, lw('change')),
    said,
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const body: Record<string, string> = {}
    if (day.value) body.dueDay = day.value
    if (carer.value.trim()) body.carerId = carer.value.trim()
    if (Object.keys(body).length === 0) return
    api('PATCH', `/visits/${encodeURIComponent(v.id)}`, body)
      .then(() => {
        said.textContent = lw('changed')
        done()
      })
      .catch((error: unknown) => {
        said.textContent = error instanceof ApiFailure ? `${error.code}: ${error.message}` : String(error)
      })
  })
  return form
}

export function liveBoard(mayChange = false): HTMLElement {
  const alarms = new Map<string, OpenAlarm>()
  const alarmBody = h('tbody', { id: 'live-alarms' })
  const visitBody = h('tbody', { id: 'live-visits' })
  const status = h('span', { class: 'status', id: 'supervision-live' })

  const drawAlarms = () => {
    const rows = [...alarms.values()].sort((a, b) => a.priority - b.priority || a.raisedAt - b.raisedAt)
    alarmBody.replaceChildren(
      ...(rows.length === 0
        ? [h('tr', { class: 'empty' }, h('td', { colspan: 5, class: 'muted' }, lw('none')))]
        : rows.map((a) =>
            h(
              'tr',
              { dataset: { id: a.id, kind: a.kind } },
              h('td', {}, `P${a.priority}`),
              h('td', {}, word('kind', a.kind)),
              h('td', {}, a.elderId),
              h('td', {}, `${word('state', a.state)}${a.escalated ? ` · ${lw('escalated')}` : ''}`),
              h('td', {}, dateTime(a.raisedAt)),
            ),
          )),
    )
  }

  let reading = false
  const readVisits = async () => {
    if (reading) return
    reading = true
    try {
      const page = await api<{ items: LedgerVisit[] }>(
        'GET',
        '/visits?kind=planned&status=due,missed,on_site&to=today&limit=200',
      )
      visitBody.replaceChildren(
        ...(page.items.length === 0
          ? [h('tr', { class: 'empty' }, h('td', { colspan: 4, class: 'muted' }, lw('none')))]
          : page.items.map((v) =>
              h(
                'tr',
                { dataset: { visit: v.id, status: v.status } },
                h('td', {}, v.dueDay),
                h('td', {}, v.elderId),
                h('td', {}, v.carerId ?? v.stationId ?? '—'),
                h('td', {}, word('visitStatus', v.status)),
                ...(mayChange && v.status !== 'on_site'
                  ? [
                      h(
                        'td',
                        {},
                        changeForm(v, () => void readVisits()),
                      ),
                    ]
                  : []),
              ),
            )),
      )
    } catch {
      // the next minute tries again; the table keeps what it had
    } finally {
      reading = false
    }
  }

  const onMessage = (m: LiveMessage) => {
    if (m.type === 'snapshot') {
      alarms.clear()
      for (const a of m.alarms) if (!closed.has(a.state)) alarms.set(a.id, a)
    } else if (m.type === 'alarm') {
      if (closed.has(m.alarm.state)) alarms.delete(m.alarm.id)
      else alarms.set(m.alarm.id, m.alarm)
      if (m.alarm.kind === 'visit_missed' || m.alarm.kind === 'help_needed') void readVisits()
    } else return
    drawAlarms()
  }
  const live = new LiveStream(onMessage, (s) => {
    status.dataset.status = s
    status.textContent = s === 'live' ? `● ${t('live')}` : `○ ${t('reconnecting')}`
  })
  live.start()
  void readVisits()
  setInterval(() => void readVisits(), 60_000)
  drawAlarms()

  const table = (id: string, head: string[], body: HTMLElement) =>
    h('table', { id }, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), body)
  return h(
    'section',
    { class: 'live-board', id: 'live-board' },
    h('h2', { class: 'section-title' }, lw('live'), ' ', status),
    h(
      'div',
      { class: 'worklists' },
      h(
        'section',
        { class: 'card' },
        h('h3', {}, lw('openAlarms')),
        table('open-alarms', [t('priority'), t('kind'), t('elder'), t('state'), t('raisedAt')], alarmBody),
      ),
      h(
        'section',
        { class: 'card' },
        h('h3', {}, lw('dueVisits')),
        table('due-visits', [vw('day'), t('elder'), t('carer'), t('state')], visitBody),
      ),
    ),
  )
}
