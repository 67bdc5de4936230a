import '../shared/style.css'
import './board.css'
import { api } from '../shared/api.ts'
import { startBlinking } from '../shared/blink.ts'
import { byId, h } from '../shared/dom.ts'
import { loadElders } from '../shared/elders.ts'
import { t, translate } from '../shared/i18n.ts'
import { type LiveStatus, LiveStream } from '../shared/live.ts'
import type { Elder, LiveMessage } from '../shared/model.ts'
import { navBar } from '../shared/nav.ts'
import { Ringer } from '../shared/ring.ts'
import { requireSession } from '../shared/session.ts'
import { loadTileSettings } from '../shared/tiles.ts'
import { AlarmDetail } from './detail.ts'
import { manualAlarmDialog } from './manual.ts'
import { BoardMap } from './map.ts'
import { QueueTable } from './queue.ts'
import { BoardState } from './state.ts'

const session = requireSession(['admin', 'dispatcher'])
const state = new BoardState()
const ringer = new Ringer()
const elderNames = new Map<string, string>()

const status = h('span', { class: 'status', id: 'live-status', role: 'status', 'aria-live': 'polite' })
const muteButton = h('button', { type: 'button', id: 'mute', 'aria-pressed': String(ringer.muted) })
const manualButton = h('button', { type: 'button', id: 'manual-open', class: 'primary' }, t('manualAlarm'))
const banner = h('button', { type: 'button', id: 'ring-banner', class: 'ring-banner hidden', role: 'alert' })
const queueBody = h('tbody', { id: 'queue-body' })
const queueCount = h('span', { id: 'queue-count', class: 'count' })
const detailRoot = h('aside', { id: 'detail', class: 'detail hidden', 'aria-label': t('detail') })
const mapEl = h('div', { id: 'map', role: 'region', 'aria-label': 'map' })
const errorLine = h('p', { class: 'error toast hidden', role: 'alert', id: 'board-error' })

byId('app').append(
  navBar(session, [status, muteButton, manualButton]),
  banner,
  h(
    'main',
    { class: 'board' },
    mapEl,
    h(
      'section',
      { class: 'queue', 'aria-labelledby': 'queue-title' },
      h('h2', { id: 'queue-title' }, t('queue'), ' ', queueCount),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'queue' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(['priority', 'kind', 'elder', 'state', 'carer', 'age'] as const).map((k) =>
                h('th', { scope: 'col' }, t(k)),
              ),
            ),
          ),
          queueBody,
        ),
      ),
    ),
    detailRoot,
  ),
  errorLine,
)
translate()

function showError(message: string): void {
  errorLine.textContent = message
  errorLine.classList.remove('hidden')
  setTimeout(() => errorLine.classList.add('hidden'), 6000)
}

const live = new LiveStream(onMessage, onStatus)
const map = new BoardMap(
  mapEl,
  (id) => void openAlarm(id),
  () => live.now(),
)
const detail = new AlarmDetail(detailRoot, {
  carers: () => state.carers.values(),
  carerName: (id) => state.carers.get(id)?.name ?? id,
  now: () => live.now(),
  onElder: (e) => {
    elderNames.set(e.id, e.name)
    scheduleRender()
  },
  onError: showError,
  track: (id) => state.tracks.get(id),
  seedTrack: (id, fixes) => {
    // history first, then whatever came live meanwhile (newer than the last fix read)
    const newest = fixes.at(-1)?.ts ?? 0
    const live = (state.tracks.get(id) ?? []).filter((f) => f.ts > newest)
    state.tracks.set(id, [...fixes, ...live])
    map.setTrack(id, state.tracks.get(id) ?? [])
  },
})
const dialog = manualAlarmDialog((alarm) => void openAlarm(alarm.id))
document.body.append(dialog)
manualButton.addEventListener('click', () => {
  dialog.showModal()
  dialog.querySelector<HTMLInputElement>('#elder-search')?.focus()
})

function renderMute(): void {
  muteButton.textContent = ringer.muted ? `♪̸ ${t('unmute')}` : `♪ ${t('mute')}`
  muteButton.setAttribute('aria-pressed', String(ringer.muted))
}
muteButton.addEventListener('click', () => {
  ringer.muted = !ringer.muted
  renderMute()
})
renderMute()

async function openAlarm(id: string): Promise<void> {
  state.unseen.delete(id)
  updateRinging()
  scheduleRender()
  try {
    await detail.open(id)
    const a = state.alarms.get(id)
    // the panel lies over the map's left side: how much of the map it hides
    const mapBox = mapEl.getBoundingClientRect()
    if (a) map.focus(a, Math.max(0, detailRoot.getBoundingClientRect().right - mapBox.left))
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error))
  }
}

/** A new P1 rings and flashes until someone opens it. */
function updateRinging(): void {
  const first = [...state.unseen][0]
  if (first) {
    ringer.start()
    document.body.dataset.ringing = 'true'
    banner.textContent = `⚠ ${t('newP1')} (${state.unseen.size})`
    banner.classList.remove('hidden')
    banner.onclick = () => void openAlarm(first)
  } else {
    ringer.stop()
    document.body.dataset.ringing = 'false'
    banner.classList.add('hidden')
  }
}

const queueTable = new QueueTable(queueBody, (id) => void openAlarm(id))

// Rendering is coalesced into one animation frame however many events arrive.
let pending = false
let carersDirty = new Set<string>()
let firstRender = true
function scheduleRender(): void {
  if (pending) return
  pending = true
  requestAnimationFrame(render)
}

function render(): void {
  const started = performance.now()
  renderNow()
  // the benchmark reads these: script time per frame, apart from layout and paint
  performance.measure('board:render', { start: started, end: performance.now() })
}

function renderNow(): void {
  pending = false
  if (firstRender) flushCarers()
  const queue = state.queue()
  queueTable.render({
    alarms: queue,
    unseen: state.unseen,
    carers: state.carers,
    elderNames,
    selected: detail.alarmId,
    now: live.now(),
  })
  queueCount.textContent = `(${queue.length})`
  map.setAlarms(queue, state.unseen)
  if (firstRender && (queue.length > 0 || state.carers.size > 0)) {
    firstRender = false
    map.fit([...queue, ...[...state.carers.values()].flatMap((c) => (c.position ? [c.position] : []))])
    performance.mark('board:first-render')
  }
}

// Elder names for the queue, fetched once each and a few at a time (the live stream carries only ids).
const asked = new Set<string>()
let fetching = 0
function fetchNames(): void {
  for (const a of state.alarms.values()) {
    if (fetching >= 4) return
    if (asked.has(a.elderId)) continue
    asked.add(a.elderId)
    fetching++
    api<Elder>('GET', `/elders/${encodeURIComponent(a.elderId)}`)
      .then((e) => {
        elderNames.set(e.id, e.name)
        scheduleRender()
      })
      .catch(() => undefined)
      .finally(() => {
        fetching--
        fetchNames()
      })
  }
}

/**
 * Carers move on the map four times a second, however many fixes arrive: each batch redraws the carer
 * canvas once, where one redraw per fix at 100 fixes a second kept the map painting all the time.
 */
function flushCarers(): void {
  const dirty = carersDirty
  carersDirty = new Set()
  for (const id of dirty) {
    const c = state.carers.get(id)
    if (c) map.setCarer(c)
  }
}
setInterval(flushCarers, 250)

let alarmsDirty = false
function onMessage(message: LiveMessage): void {
  const change = state.apply(message)
  for (const id of change.carers) carersDirty.add(id)
  if (change.alarms) alarmsDirty = true
  if (change.entry) {
    const alarm = message.type === 'alarm' ? message.alarm : undefined
    if (alarm) detail.update(alarm, change.entry.entry)
    if (alarm && !state.tracks.has(alarm.id)) map.setTrack(alarm.id, [])
  }
  if (change.track) {
    map.setTrack(change.track, state.tracks.get(change.track) ?? [])
    if (detail.alarmId === change.track) detail.render()
  }
  if (change.rang || message.type === 'snapshot' || change.entry) updateRinging()
  if (change.alarms) fetchNames()
  if (alarmsDirty || (firstRender && carersDirty.size > 0)) {
    alarmsDirty = false
    scheduleRender()
  }
}

function onStatus(s: LiveStatus): void {
  status.dataset.status = s
  status.textContent = s === 'live' ? `● ${t('live')}` : `○ ${t('reconnecting')}`
}

setInterval(() => {
  queueTable.tick(live.now())
  detail.refreshCandidates()
}, 1000)
window.addEventListener('resize', () => map.invalidate())
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !dialog.open) detail.close()
})
// a handle for the browser tests and bench/board.ts
Object.assign(window, { careBoard: { live, state, map } })
startBlinking()
// the base map first: it says which coordinate system every point is drawn in
void loadTileSettings()
  .catch(() => undefined)
  .then((tiles) => {
    map.setTiles(tiles)
    map.showHomesOnZoom(loadElders)
    live.start()
  })
