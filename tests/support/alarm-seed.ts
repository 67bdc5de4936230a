import { join } from 'node:path'
import { type Alarm, type AlarmKind, alarmKinds, type TimelineEntry } from '../../gateway/alarms/model.ts'
import { defaultPriorities } from '../../gateway/alarms/priority.ts'
import { gridKey } from '../../gateway/registry/schemas.ts'
import { Store } from '../../gateway/store/db.ts'
import { SqliteAlarms } from '../../gateway/store/sqlite/alarms.ts'
import { HOME, type World } from './world.ts'

/**
 * A district with many alarms, written fast: elders through POST /import, alarms through the gateway's
 * own alarm store (row, timeline and all) in a few transactions — tens of thousands of alarms in seconds,
 * where MQTT round trips would take minutes. Every alarm is also returned as plain data, so a test can
 * work out the figures it expects on its own. Deterministic for a given seed.
 */

export interface SeededAlarm {
  id: string
  kind: AlarmKind
  priority: number
  state: Alarm['state']
  escalated: boolean
  elderId: string
  elderName: string
  grid: string[]
  raisedAt: number
  acceptedAt?: number
  arrivedAt?: number
  resolvedAt?: number
  outcome?: NonNullable<Alarm['outcome']>
  flagged: boolean
  rated: boolean
}

export interface SeededElder {
  id: string
  name: string
  grid: string[]
}

export interface SeedOptions {
  alarms: number
  /** Alarms are raised in [from, to); nothing happens after the world's clock. */
  from: number
  to: number
  seed?: number
  /** Names for some elders, by id (E0001…); the others get generated ones. */
  names?: Record<string, string>
}

const MIN = 60_000
export const streets = ['海丰街道', '车王镇'] as const
const communities = ['东关社区', '西关社区', '北村']

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export async function seedDistrict(
  world: World,
  options: SeedOptions,
): Promise<{ elders: SeededElder[]; alarms: SeededAlarm[] }> {
  const rnd = random(options.seed ?? 7)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T
  const elders: SeededElder[] = []
  for (let i = 1; i <= 240; i++) {
    const id = `E${String(i).padStart(4, '0')}`
    const grid = [pick(streets), pick(communities), `G0${1 + Math.floor(rnd() * 3)}`]
    elders.push({ id, name: options.names?.[id] ?? `老人${i}`, grid })
  }
  const imported = await world.api<{ rejected: number }>(
    'POST',
    '/api/v1/import?type=elders',
    elders.map((e) => ({ id: e.id, name: e.name, grid: e.grid, home: HOME })),
  )
  if (imported.status !== 200 || imported.body.rejected !== 0)
    throw new Error(`elders not imported: ${imported.status} ${JSON.stringify(imported.body)}`)

  const now = world.clock.now()
  const alarms: SeededAlarm[] = []
  const span = options.to - options.from
  for (let i = 0; i < options.alarms; i++) {
    const elder = pick(elders)
    const kind = rnd() < 0.5 ? 'sos' : pick(alarmKinds)
    const a: SeededAlarm = {
      id: `S${String(i).padStart(6, '0')}`,
      kind,
      priority: defaultPriorities[kind],
      state: 'open',
      escalated: false,
      elderId: elder.id,
      elderName: elder.name,
      grid: elder.grid,
      raisedAt: options.from + Math.floor(rnd() * span),
      flagged: false,
      rated: false,
    }
    const roll = rnd()
    const at = (minutes: number) => Math.min(a.raisedAt + Math.round(minutes * MIN), now)
    if (roll < 0.08) {
      a.state = 'cancelled'
      a.resolvedAt = at(0.4)
    } else if (roll < 0.12) {
      a.state = 'resolved'
      a.outcome = 'false_alarm'
      a.resolvedAt = at(3)
    } else if (a.priority <= 3 || roll < 0.5) {
      // offered, then (most often) accepted, arrived and resolved; each step only if it is not in the future
      const accept = a.raisedAt + Math.round(rnd() ** 2 * 40 * MIN)
      const arrive = accept + Math.round((2 + rnd() * 25) * MIN)
      const resolve = arrive + 10 * MIN
      a.state = a.priority <= 3 ? 'offered' : 'open'
      a.escalated = roll > 0.95
      if (roll < 0.9 && accept <= now) {
        a.state = 'accepted'
        a.acceptedAt = accept
        if (arrive <= now) {
          a.state = 'arrived'
          a.arrivedAt = arrive
          a.flagged = rnd() < 0.06
          if (resolve <= now) {
            a.state = 'resolved'
            a.resolvedAt = resolve
            a.outcome = 'assisted'
          }
        }
      }
    } else {
      a.state = 'resolved'
      a.outcome = 'other'
      a.resolvedAt = at(20)
    }
    a.rated = (a.state === 'resolved' || a.state === 'cancelled') && rnd() < 0.15
    alarms.push(a)
  }
  write(world, alarms)
  return { elders, alarms }
}

/**
 * Through the gateway's own alarm adapter, on a connection of its own to the store's file: the row,
 * then its timeline, a transaction per 5,000 alarms.
 */
function write(world: World, alarms: SeededAlarm[]): void {
  const store = new Store(join(world.dataDir, 'care.db'))
  store.open()
  const repo = new SqliteAlarms(store)
  for (let start = 0; start < alarms.length; start += 5_000) {
    store.tx(() => {
      for (const s of alarms.slice(start, start + 5_000)) {
        const alarm: Alarm = {
          id: s.id,
          kind: s.kind,
          priority: s.priority as Alarm['priority'],
          state: 'open',
          escalated: s.escalated,
          elderId: s.elderId,
          raisedAt: s.raisedAt,
          lat: HOME.lat,
          lon: HOME.lon,
          round: 0,
          seq: 0,
          updatedAt: s.raisedAt,
        }
        const entries: Omit<TimelineEntry, 'seq'>[] = [{ type: 'raised', at: s.raisedAt }]
        const carerId = 'C01'
        if (
          s.state !== 'open' &&
          s.state !== 'cancelled' &&
          s.outcome !== 'false_alarm' &&
          s.outcome !== 'other'
        ) {
          entries.push({ type: 'offered', at: s.raisedAt, carerId })
        }
        if (s.escalated) entries.push({ type: 'escalated', at: s.raisedAt + MIN })
        if (s.acceptedAt !== undefined) {
          alarm.acceptedAt = s.acceptedAt
          alarm.carerId = carerId
          entries.push({ type: 'accepted', at: s.acceptedAt, carerId })
        }
        if (s.arrivedAt !== undefined) {
          alarm.arrivedAt = s.arrivedAt
          alarm.arrivalFlagged = s.flagged
          alarm.arrivalDistanceM = s.flagged ? 450 : 20
          entries.push({ type: 'arrived', at: s.arrivedAt, carerId, data: { flagged: s.flagged } })
        }
        if (s.resolvedAt !== undefined) {
          alarm.resolvedAt = s.resolvedAt
          if (s.outcome) alarm.outcome = s.outcome
          entries.push({ type: s.state === 'cancelled' ? 'cancelled' : 'resolved', at: s.resolvedAt })
        }
        if (s.rated) {
          entries.push({ type: 'rated', at: s.resolvedAt ?? s.raisedAt, data: { score: 4, by: 'callback' } })
        }
        alarm.state = s.state
        const timeline = entries.map((entry, i) => ({ ...entry, seq: i + 1 }))
        alarm.seq = timeline.length
        // inside the outer transaction: the repository's own joins it, and runs at once
        void repo.commit({
          alarm: { value: alarm, created: { grid: gridKey(s.grid) } },
          entries: timeline,
          offers: { insert: [], status: [] },
        })
      }
    })
  }
  store.close()
}
