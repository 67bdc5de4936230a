import type { Decision } from '../../../gateway/alarms/machine/decision.ts'
import { Draft, type Facts } from '../../../gateway/alarms/machine/draft.ts'
import type { Alarm } from '../../../gateway/alarms/model.ts'
import type { OfferRecord } from '../../../gateway/alarms/offers.ts'
import { rankCandidates } from '../../../gateway/dispatch/engine.ts'
import { distanceM, etaMinutes } from '../../../gateway/dispatch/geo.ts'
import {
  type CarerState,
  type DispatchRules,
  defaultRules,
  type Point,
  type TravelMode,
} from '../../../gateway/dispatch/types.ts'
import type { Elder } from '../../../gateway/registry/schemas.ts'
import type { TaskMessage } from '../../../kernel/contract/payloads.ts'

/**
 * Small factories for the machine's tests: an elder at home, carers on duty
 * north of her, an alarm and its offers, facts at a fixed time. Distances are
 * measured on the same sphere as the dispatch code, so `north(300)` is 300 m.
 */

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0)
export const HOME: Point = { lat: 37.3835, lon: 117.9707 }
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180
export const north = (m: number): Point => ({ lat: HOME.lat + m / M_PER_DEG, lon: HOME.lon })

export function anElder(over: Partial<Elder> = {}): Elder {
  return {
    id: 'E1',
    name: '张秀英',
    phone: '13800000001',
    address: '海丰街12号2单元301',
    grid: ['Haifeng St', 'Dongguan', 'G03'],
    home: HOME,
    risk: 'medium',
    notes: '独居，左耳听力差',
    contacts: [{ name: '李明', relation: 'son', phone: '13900000002' }],
    createdAt: T0,
    updatedAt: T0,
    ...over,
  }
}

/** A carer as dispatch sees one, with a name and phone for the elder to hear. */
export interface SceneCarer extends CarerState {
  name: string
  phone: string
}

/** A carer on duty on an e-bike, at their base `northM` metres north of the elder's home. */
export function aCarer(id: string, northM: number, over: Partial<SceneCarer> = {}): SceneCarer {
  return {
    id,
    name: `护理员${id}`,
    phone: `1370000000${id.slice(-1)}`,
    mode: 'ebike',
    duty: 'on',
    busy: false,
    alarmsToday: 0,
    base: north(northM),
    ...over,
  }
}

/** C1, C2, C3 at 300, 500 and 700 m. */
export const threeCarers = (): SceneCarer[] => [aCarer('C1', 300), aCarer('C2', 500), aCarer('C3', 700)]

/** How far and how long from `northM` metres north of home, as the dispatch rules reckon it. */
export function route(northM: number, mode: TravelMode = 'ebike'): { distanceM: number; etaMin: number } {
  const d = distanceM(north(northM), HOME)
  return { distanceM: d, etaMin: etaMinutes(d, defaultRules.detour, defaultRules.speedsKmh[mode]) }
}

export interface SceneOptions {
  now?: number
  elder?: Elder | undefined
  carers?: SceneCarer[]
  rules?: DispatchRules
}

/** The facts a transition decides on: a fixed time, the contract's rules, the elder, the carers ranked for real. */
export function aFacts(o: SceneOptions = {}): Facts {
  const now = o.now ?? T0
  const rules = o.rules ?? defaultRules
  const carers = o.carers ?? threeCarers()
  return {
    now,
    rules,
    locale: 'zh-CN',
    elder: 'elder' in o ? o.elder : anElder(),
    candidates: (at, exclude) => rankCandidates(at, carers, now, rules, exclude),
    carer: (id) => {
      const c = carers.find((x) => x.id === id)
      if (!c) return undefined
      return c.position
        ? {
            name: c.name,
            phone: c.phone,
            busy: c.busy,
            position: { lat: c.position.lat, lon: c.position.lon },
          }
        : { name: c.name, phone: c.phone, busy: c.busy }
    },
  }
}

export function anAlarm(over: Partial<Alarm> = {}): Alarm {
  return {
    id: 'A0001',
    kind: 'sos',
    priority: 1,
    state: 'open',
    escalated: false,
    elderId: 'E1',
    deviceId: 'D1',
    raisedAt: T0,
    lat: HOME.lat,
    lon: HOME.lon,
    round: 0,
    seq: 2,
    updatedAt: T0,
    ...over,
  }
}

/** An offer of round 1, made at T0 for 60 s, to a carer `northM` metres away. */
export function anOffer(carerId: string, northM: number, over: Partial<OfferRecord> = {}): OfferRecord {
  return {
    carerId,
    round: 1,
    status: 'pending',
    offeredAt: T0,
    expiresAt: T0 + 60_000,
    ...route(northM),
    ...over,
  }
}

/** An SOS in its first round: offered to C1 and C2 (raised, notified, offered, offered). */
export function offeredAlarm(over: Partial<Alarm> = {}): Alarm {
  return anAlarm({ state: 'offered', round: 1, seq: 4, ...over })
}

export const firstRound = (): OfferRecord[] => [anOffer('C1', 300), anOffer('C2', 500)]

/** The SOS after C1 accepted it at T0 + 10 s (C2's offer withdrawn). */
export function acceptedAlarm(over: Partial<Alarm> = {}): Alarm {
  return anAlarm({ state: 'accepted', round: 1, seq: 6, carerId: 'C1', acceptedAt: T0 + 10_000, ...over })
}

export const acceptedOffers = (): OfferRecord[] => [
  anOffer('C1', 300, { status: 'accepted' }),
  anOffer('C2', 500, { status: 'withdrawn' }),
]

export function aDraft(alarm: Alarm, offers: readonly OfferRecord[] = [], facts: Facts = aFacts()): Draft {
  return new Draft(alarm, offers, facts)
}

/** The empty decision, written out: what a refusal or a no-op must leave. */
export function nothing(): Decision {
  return {
    change: { entries: [], offers: { insert: [], status: [] } },
    emitted: [],
    deadlines: { arm: [], cancel: [] },
    sends: [],
    carers: { busy: [], free: [], accepted: [] },
    counters: [],
    spans: [],
    audit: [],
  }
}

/** The elder as a carer's task shows her, for the factory elder at home. */
export function taskElder(elder: Elder = anElder(), at: Point = HOME): TaskMessage['elder'] {
  return {
    id: elder.id,
    name: elder.name,
    phone: elder.phone ?? '',
    address: elder.address ?? '',
    lat: at.lat,
    lon: at.lon,
    notes: elder.notes ?? '',
    contacts: (elder.contacts ?? []).map((c) => ({ ...c })),
  }
}

/** The task a carer is sent about the factory alarm: rounded metres, ETA to a tenth of a minute. */
export function aTask(
  action: TaskMessage['action'],
  r: { distanceM: number; etaMin: number; expiresAt?: number },
  alarm: Pick<Alarm, 'id' | 'kind' | 'priority' | 'raisedAt'> = anAlarm(),
  elder: Elder = anElder(),
): TaskMessage {
  const task: TaskMessage = {
    alarmId: alarm.id,
    action,
    alarm: { kind: alarm.kind, priority: alarm.priority, raisedAt: alarm.raisedAt },
    elder: taskElder(elder),
    distanceM: Math.round(r.distanceM),
    etaMin: Math.round(r.etaMin * 10) / 10,
  }
  if (r.expiresAt !== undefined) task.expiresAt = r.expiresAt
  return task
}
