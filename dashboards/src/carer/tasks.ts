import type { TaskMessage, TrackMessage } from '../../../kernel/contract/payloads.ts'

/** A carer's task downlink (`care/v1/carer/{id}/task`, docs/contract.md): all a carer needs to set out. */
export type { TaskMessage, TrackMessage }

/**
 * A task on the phone: the MQTT `task` shape plus the alarm's state. Over HTTP it is what
 * `GET /carers/{id}/tasks` answers; over MQTT the page keeps it from the downlinks and its own replies.
 */
export interface Task extends TaskMessage {
  state?: string
  /** MQTT mode: a `reminder` came for this alarm. */
  reminded?: boolean
  /** A wandering elder's latest fix (an open `fence_exit`): navigation goes there, not to the home. */
  latest?: { lat: number; lon: number; acc?: number; receivedAt: number }
}

/** The list after a followed elder's new fix: their task's `latest` moves; nothing else changes. */
export function applyTrack(tasks: readonly Task[], m: TrackMessage): Task[] {
  if (!tasks.some((t) => t.alarmId === m.alarmId)) return [...tasks]
  const latest: NonNullable<Task['latest']> = { lat: m.lat, lon: m.lon, receivedAt: m.receivedAt }
  if (m.acc !== undefined) latest.acc = m.acc
  return tasks.map((t) => (t.alarmId === m.alarmId ? { ...t, latest } : t))
}

/** Where to go: the followed elder's latest fix, else where the alarm said. */
function target(t: Task): { lat: number; lon: number } {
  return t.latest ?? t.elder
}

/** Held alarms first (accepted, arrived), then the open offers, the one running out first on top. */
export function sortTasks(tasks: readonly Task[]): Task[] {
  const held = tasks.filter((t) => t.action !== 'offer')
  const offers = tasks
    .filter((t) => t.action === 'offer')
    .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity))
  return [...held, ...offers]
}

/**
 * MQTT mode: the list after one task downlink. `offer` adds (or renews) an offer, `assigned`
 * makes the alarm the carer's, `withdrawn` takes it off the phone, `reminder` marks it.
 */
export function applyTaskMessage(tasks: readonly Task[], m: TaskMessage): Task[] {
  const before = tasks.find((t) => t.alarmId === m.alarmId)
  const rest = tasks.filter((t) => t.alarmId !== m.alarmId)
  switch (m.action) {
    case 'offer':
      // an offer for an alarm already held (a stale, re-delivered message) changes nothing
      if (before && before.action === 'assigned') return sortTasks(tasks)
      return sortTasks([...rest, { ...m }])
    case 'assigned':
      return sortTasks([...rest, { ...m, state: before?.state === 'arrived' ? 'arrived' : 'accepted' }])
    case 'withdrawn':
      return sortTasks(rest)
    case 'reminder':
      return sortTasks(before ? [...rest, { ...before, reminded: true }] : rest)
  }
}

/**
 * MQTT mode: the list once the gateway has taken (PUBACK) one of the carer's replies. An accept
 * waits for its `assigned`; a decline or a resolve takes the task off; an arrival is noted here,
 * since the gateway sends no downlink for it.
 */
export function applyReply(tasks: readonly Task[], alarmId: string, action: ReplyAction): Task[] {
  switch (action) {
    case 'accept':
      return [...tasks]
    case 'decline':
    case 'resolve':
      return tasks.filter((t) => t.alarmId !== alarmId)
    case 'arrive':
      return tasks.map((t) => (t.alarmId === alarmId ? { ...t, state: 'arrived' } : t))
  }
}

export type ReplyAction = 'accept' | 'decline' | 'arrive' | 'resolve'

/** Offers whose deadline passed more than `graceMs` ago (the phone missed their `withdrawn`). */
export function dropLapsed(tasks: readonly Task[], now: number, graceMs = 5_000): Task[] {
  return tasks.filter((t) => t.action !== 'offer' || (t.expiresAt ?? Infinity) + graceMs > now)
}

/**
 * The gateway's clock as far as a task tells it: an offer is made after its alarm was raised and
 * before it expires. Each offer is read afresh: a phone clock inside that window is believed (phones
 * keep network time); outside it, it is pulled to the nearer edge. Returns the offset to add to
 * `Date.now()`; other messages leave `current` as it is.
 */
export function skewFrom(m: TaskMessage, localNow: number, current: number): number {
  if (m.action !== 'offer' || m.expiresAt === undefined) return current
  if (localNow < m.alarm.raisedAt) return m.alarm.raisedAt - localNow
  if (localNow > m.expiresAt) return m.expiresAt - 1_000 - localNow
  return 0
}

/** Navigation links: the phone's own map app (geo: URI), or AMap's web link that opens the AMap app. */
export function geoLink(t: Task): string {
  const { lat, lon } = target(t)
  return `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(t.elder.name)})`
}

export function amapLink(t: Task): string {
  const { lat, lon } = target(t)
  const to = `${lon},${lat},${encodeURIComponent(t.elder.name)}`
  return `https://uri.amap.com/navigation?to=${to}&mode=ride&coordinate=wgs84&callnative=1`
}
