import type { Alarm, LiveCarer, LiveMessage, TimelineEntry } from '../shared/model.ts'
import { openStates } from '../shared/model.ts'

export interface Change {
  alarms: boolean
  carers: string[]
  /** A P1 alarm just raised: ring until someone opens it. */
  rang?: string
  entry?: { alarmId: string; entry: TimelineEntry }
}

/** What the board knows: the open alarms and the carers, kept from the snapshot and the events. */
export class BoardState {
  readonly alarms = new Map<string, Alarm>()
  readonly carers = new Map<string, LiveCarer>()
  /** P1 alarms raised while we watched and nobody has opened yet. */
  readonly unseen = new Set<string>()
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
    }
  }

  /** contract of the board: priority first, then the oldest. */
  queue(): Alarm[] {
    return [...this.alarms.values()].sort((a, b) => a.priority - b.priority || a.raisedAt - b.raisedAt)
  }
}
