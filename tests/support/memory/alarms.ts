import type { Alarm, AlarmKind, AlarmState, TimelineEntry } from '../../../gateway/alarms/model.ts'
import { openStates } from '../../../gateway/alarms/model.ts'
import type { OfferRecord } from '../../../gateway/alarms/offers.ts'
import type {
  AlarmChange,
  AlarmFilter,
  AlarmRepository,
  Page,
  SeenMessage,
} from '../../../gateway/alarms/ports.ts'

/**
 * The alarm repository in memory, for testing the shell without SQLite: the
 * same contract (one change all or nothing), and a switch that makes the
 * next commits fail, as a full disk would.
 */
export class MemoryAlarms implements AlarmRepository {
  readonly alarms = new Map<string, Alarm>()
  readonly timelines = new Map<string, TimelineEntry[]>()
  readonly offerRows = new Map<string, OfferRecord[]>()
  readonly messages = new Map<string, SeenMessage>()
  commits = 0
  /** The next this-many commits fail and store nothing. */
  failNext = 0

  async commit(change: AlarmChange): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('store refused the change')
    }
    this.commits++
    const a = change.alarm
    if (a) this.alarms.set(a.value.id, structuredClone(a.value))
    const id = a?.value.id
    if (id !== undefined) {
      const timeline = this.timelines.get(id) ?? []
      for (const e of change.entries) {
        if (timeline.some((x) => x.seq === e.seq)) throw new Error(`seq ${e.seq} of ${id} written twice`)
        timeline.push(structuredClone(e))
      }
      this.timelines.set(id, timeline)
      const offers = this.offerRows.get(id) ?? []
      for (const o of change.offers.insert) offers.push({ ...o })
      for (const { carerId, status } of change.offers.status) {
        const o = offers.find((x) => x.carerId === carerId)
        if (o) o.status = status
      }
      this.offerRows.set(id, offers)
    }
    const m = change.message
    if (m) this.messages.set(`${m.deviceId}\u0000${m.msgId}`, { alarmId: m.alarmId, topic: m.topic })
  }

  async get(id: string): Promise<Alarm | undefined> {
    const a = this.alarms.get(id)
    return a && structuredClone(a)
  }

  async offers(alarmId: string): Promise<OfferRecord[]> {
    return (this.offerRows.get(alarmId) ?? []).map((o) => ({ ...o }))
  }

  async timeline(alarmId: string): Promise<TimelineEntry[]> {
    return structuredClone(this.timelines.get(alarmId) ?? [])
  }

  async list(f: AlarmFilter): Promise<Page<Alarm>> {
    const items = [...this.alarms.values()]
      .filter((a) => !f.state || f.state.includes(a.state))
      .filter((a) => !f.kind || f.kind.includes(a.kind))
      .filter((a) => !f.elderId || a.elderId === f.elderId)
      .filter((a) => !f.carerId || a.carerId === f.carerId)
      .sort((a, b) => b.raisedAt - a.raisedAt || (a.id < b.id ? 1 : -1))
    return { items: items.slice(0, f.limit).map((a) => structuredClone(a)) }
  }

  async open(): Promise<Alarm[]> {
    return [...this.alarms.values()].filter((a) => openStates.has(a.state)).map((a) => structuredClone(a))
  }

  async openOf(elderId: string, kind: AlarmKind): Promise<Alarm | undefined> {
    return (await this.open()).find((a) => a.elderId === elderId && a.kind === kind)
  }

  async seenMessage(deviceId: string, msgId: string): Promise<SeenMessage | undefined> {
    return this.messages.get(`${deviceId}\u0000${msgId}`)
  }

  async pendingOffersOf(carerId: string): Promise<{ alarmId: string; offer: OfferRecord }[]> {
    return [...this.offerRows.entries()].flatMap(([alarmId, offers]) =>
      offers
        .filter((o) => o.carerId === carerId && o.status === 'pending')
        .map((offer) => ({ alarmId, offer })),
    )
  }

  async busyCarers(): Promise<Map<string, string>> {
    const held = [...this.alarms.values()].filter(
      (a) => (a.state === 'accepted' || a.state === 'arrived') && a.carerId,
    )
    return new Map(held.map((a) => [a.carerId ?? '', a.id]))
  }

  async acceptedSince(since: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for (const a of this.alarms.values()) {
      if (a.carerId && (a.acceptedAt ?? -1) >= since) counts.set(a.carerId, (counts.get(a.carerId) ?? 0) + 1)
    }
    return counts
  }

  async openByState(): Promise<Partial<Record<AlarmState, number>>> {
    const counts: Partial<Record<AlarmState, number>> = {}
    for (const a of await this.open()) counts[a.state] = (counts[a.state] ?? 0) + 1
    return counts
  }

  async entriesSince(since: number): Promise<{ alarm: Alarm; entry: TimelineEntry }[]> {
    return [...this.timelines.entries()].flatMap(([id, entries]) => {
      const alarm = this.alarms.get(id)
      return alarm
        ? entries.filter((e) => e.at >= since).map((entry) => ({ alarm: structuredClone(alarm), entry }))
        : []
    })
  }
}
