import type { Alarm, LiveCarer, LiveMessage, TimelineEntry } from '../shared/model.ts'
import { openStates } from '../shared/model.ts'

export interface Change {
  alarms: boolean
  carers: string[]
  /** A P1 alarm just raised: ring until someone opens it. */
  rang?: string
  entry?: { alarmId: string; entry: TimelineEntry }
  /** A followed elder's new fix, for this alarm. */
  track?: string
}

/** A wandering elder's fix as the board keeps it (docs/visits.md, "Following a wandering elder"). */
export interface TrackFix {
  lat: number
  lon: number
  acc?: number
  ts: number
  receivedAt: number
}

/** The fixes kept per followed alarm: hours of a watch's fixes, not days. */
const TRACK_KEPT = 720

/** What the board knows: the open alarms and the carers, kept from the snapshot and the events. */
export class BoardState {
  readonly alarms = new Map<string, Alarm>()
  readonly carers = new Map<string, LiveCarer>()
  /** P1 alarms raised while we watched and nobody has opened yet. */
  readonly unseen = new Set<string>()
  /** Fixes of the elders of open `fence_exit` alarms, oldest first. */
  readonly tracks = new Map<string, TrackFix[]>()
  #snapshots = 0

  apply(message: LiveMessage): Change {
    switch (message.type) {
      case 'snapshot': {
        const known = new Set(this.alarms.keys())
        this.alarms.clear()
        this.carers.clear()
        for (const a of message.alarms) this.alarms.set(a.id, a)
        for (const c of message.carers) this.carers.set(c.id, c)
        for (const id of this.unseen) if (!this.alarms.has(id)) this.unseen.delete(id)
        const change: Change = { alarms: true, carers: message.carers.map((c) => c.id) }
        // A snapshot after a reconnect stands in for the events missed while away: a P1 raised
        // then rings as if it had come live (the first snapshot is what was there before we watched).
        if (this.#snapshots++ > 0) {
          for (const a of message.alarms) {
            if (a.priority !== 1 || known.has(a.id) || !openStates.has(a.state)) continue
            this.unseen.add(a.id)
            change.rang = a.id
          }
        }
        return change
      }
      case 'alarm': {
        const { alarm, entry } = message
        const change: Change = { alarms: true, carers: [], entry: { alarmId: alarm.id, entry } }
        if (openStates.has(alarm.state)) this.alarms.set(alarm.id, alarm)
        else {
          this.alarms.delete(alarm.id)
          this.unseen.delete(alarm.id)
          this.tracks.delete(alarm.id)
        }
        if (entry.type === 'raised' && alarm.priority === 1 && openStates.has(alarm.state)) {
          this.unseen.add(alarm.id)
          change.rang = alarm.id
        }
        return change
      }
      case 'carer':
        this.carers.set(message.carer.id, message.carer)
        return { alarms: false, carers: [message.carer.id] }
      case 'device':
        return { alarms: false, carers: [] }
      case 'track': {
        const { alarmId, lat, lon, acc, ts, receivedAt } = message.track
        const fixes = this.tracks.get(alarmId) ?? []
        fixes.push(acc === undefined ? { lat, lon, ts, receivedAt } : { lat, lon, acc, ts, receivedAt })
        if (fixes.length > TRACK_KEPT) fixes.splice(0, fixes.length - TRACK_KEPT)
        this.tracks.set(alarmId, fixes)
        return { alarms: false, carers: [], track: alarmId }
      }
    }
  }

  /** contract of the board: priority first, then the oldest. */
  queue(): Alarm[] {
    return [...this.alarms.values()].sort((a, b) => a.priority - b.priority || a.raisedAt - b.raisedAt)
  }
}
