import {
  type AlarmState,
  alarmKinds,
  alarmStates,
  openStates,
  ratingSources,
} from '../../../gateway/alarms/model.ts'
import { dayNumber, dayOfNumber } from '../../../gateway/visits/days.ts'
import { riskGrades } from '../../../gateway/visits/plan.ts'
import { aDevice, anAlarm, anElder, anEntry, aVisit, type World } from './stats-world.ts'

/**
 * A district drawn by a seeded generator, for holding the two stores' answers side by side: every
 * kind, priority, state, outcome and flag, with the boundary times the figures turn on drawn often.
 */

/** A small deterministic generator (xorshift32), so a failing case can be drawn again. */
export function generator(seed: number) {
  let s = seed >>> 0 || 1
  const next = (): number => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x1_0000_0000
  }
  const int = (below: number): number => Math.floor(next() * below)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const chance = (p: number): boolean => next() < p
  return { next, int, pick, chance }
}

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

/**
 * Grid paths at every depth: the district itself, streets (one of them named so that it is a text
 * prefix of another, one with LIKE's wildcards, one in Latin capitals that sorts before the others
 * by bytes), communities, grids and a building below a grid.
 */
export const paths: readonly string[][] = (() => {
  const streets = ['海丰街道', '车王镇', 'A', 'AB', 'z_%街']
  const out: string[][] = [[]]
  for (const s of streets) {
    out.push([s])
    for (const c of ['东关社区', 'Ba', 'b']) {
      out.push([s, c])
      for (const g of ['G01', 'G02']) out.push([s, c, g])
      out.push([s, c, 'G01', '1栋'])
    }
  }
  return out
})()

/** Times the generator reuses, so that ties (same raise, same last-heard time) are common. */
const edgesMs = [0, 59_999, 60_000, 120_000, 299_999, 300_000, 899_999, 900_000, 900_001, 1_800_000]

/**
 * A district of a few hundred elders, their devices, alarms over 40 days before `now` with timelines,
 * offers and ratings, and visits over the same days: every kind, priority, state, outcome and flag,
 * with boundary times (exactly 15 minutes, exactly 24 hours silent, the bins' edges) drawn often.
 */
export function aDistrict(
  seed: number,
  now: number,
  size = { elders: 300, alarms: 2500, visits: 1500 },
): World {
  const g = generator(seed)
  const world: World = { elders: [], devices: [], alarms: [], timeline: [], offers: [], visits: [] }
  const elders: { id: string; grid: string[] }[] = []
  for (let i = 0; i < size.elders; i++) {
    // ids in mixed case, so that byte order differs from any natural-language order
    const id = `${g.pick(['E', 'e', 'É', 'Z'])}${String(i).padStart(4, '0')}`
    const grid = g.pick(paths)
    elders.push({ id, grid })
    const name = g.chance(0.9) ? `老人${i}` : undefined
    const risk = g.chance(0.95) ? g.pick(riskGrades) : undefined
    world.elders.push(
      anElder({ id, grid, ...(name === undefined ? {} : { name }), ...(risk === undefined ? {} : { risk }) }),
    )
  }
  // an elder since erased: their alarms and visits stay, their row does not
  const someone = (): { id: string; grid: string[] } =>
    g.chance(0.05) ? { id: `X${g.int(20)}`, grid: g.pick(paths) } : g.pick(elders)

  const seenTimes = [now - DAY, now - DAY - 1, now - DAY + 1, now - 2 * DAY, now - 30 * HOUR]
  for (let i = 0; i < size.elders * 1.3; i++) {
    const createdAt = now - g.int(60) * DAY - g.int(DAY)
    const heard = g.chance(0.8)
    const lastSeenAt = !heard ? undefined : g.chance(0.3) ? g.pick(seenTimes) : now - g.int(3 * DAY)
    const online = g.pick([0, 1, undefined] as const)
    world.devices.push(
      aDevice({
        id: `D${g.pick(['', 'a', 'B'])}${String(i).padStart(4, '0')}`,
        elderId: someone().id,
        createdAt: heard ? createdAt : g.chance(0.3) ? g.pick(seenTimes) : createdAt,
        ...(lastSeenAt === undefined ? {} : { lastSeenAt }),
        ...(online === undefined ? {} : { online }),
      }),
    )
  }

  const delay = (): number => (g.chance(0.4) ? g.pick(edgesMs) : g.int(60 * MIN))
  const raisedTimes: number[] = []
  const opened = new Set<string>()
  for (let i = 0; i < size.alarms; i++) {
    const elder = someone()
    const raisedAt =
      raisedTimes.length > 0 && g.chance(0.15) ? g.pick(raisedTimes) : now - g.int(40 * DAY) - g.int(HOUR)
    raisedTimes.push(raisedAt)
    const id = `A${g.pick(['', 'a', 'Z'])}${String(i).padStart(5, '0')}`
    const kind = g.pick(alarmKinds)
    // an elder has at most one open alarm of a kind (a second press is a note on the first)
    const drawn = g.pick(alarmStates)
    const open = `${elder.id} ${kind}`
    const state: AlarmState =
      openStates.has(drawn) && opened.has(open) ? g.pick(['resolved', 'cancelled'] as const) : drawn
    if (openStates.has(state)) opened.add(open)
    const accepted = g.chance(0.7)
    const arrived = accepted && g.chance(0.7)
    const closed = state === 'resolved' || state === 'cancelled'
    const acceptedAt = accepted ? raisedAt + delay() : undefined
    const arrivedAt = arrived ? raisedAt + delay() : undefined
    const outcome =
      state === 'resolved' || g.chance(0.05) ? g.pick(['assisted', 'false_alarm', 'other']) : undefined
    world.alarms.push(
      anAlarm({
        id,
        elderId: elder.id,
        grid: g.chance(0.9) ? elder.grid : g.pick(paths),
        kind,
        priority: 1 + g.int(4),
        state,
        escalated: g.chance(0.2),
        raisedAt,
        ...(acceptedAt === undefined ? {} : { acceptedAt }),
        ...(arrivedAt === undefined ? {} : { arrivedAt, distanceM: g.int(800) + g.pick([0, 0.5]) }),
        ...(arrivedAt === undefined && !g.chance(0.05) ? {} : { flagged: g.pick([0, 1] as const) }),
        ...(closed ? { resolvedAt: raisedAt + HOUR } : {}),
        ...(outcome === undefined ? {} : { outcome }),
        ...(g.chance(0.2) ? { overdueAt: raisedAt + 20 * MIN } : {}),
      }),
    )
    let seq = 0
    world.timeline.push(anEntry(id, ++seq, 'raised', raisedAt))
    if (acceptedAt !== undefined) world.timeline.push(anEntry(id, ++seq, 'accepted', acceptedAt))
    // ratings mostly on closed alarms, now and then on an open one (the figures count them all)
    const ratings = closed ? g.pick([0, 0, 1, 1, 2, 3]) : g.pick([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    for (let r = 0; r < ratings; r++)
      world.timeline.push(
        anEntry(id, ++seq, 'rated', raisedAt + 2 * HOUR, { score: 1 + g.int(5), by: g.pick(ratingSources) }),
      )
    if (g.chance(0.5)) world.timeline.push(anEntry(id, ++seq, 'note', raisedAt + MIN, { text: 'x' }))
    for (const carer of ['C01', 'C02'].slice(0, g.int(3)))
      world.offers.push({
        alarm_id: id,
        carer_id: carer,
        round: 1,
        offered_at: raisedAt,
        expires_at: raisedAt + MIN,
        status: g.pick(['pending', 'accepted', 'declined', 'expired']),
        distance_m: g.int(2000),
        eta_min: g.int(30),
      })
  }

  const today = dayNumber(new Date(now).toISOString().slice(0, 10))
  const signTimes: number[] = []
  const due = new Set<string>()
  for (let i = 0; i < size.visits; i++) {
    const elder = someone()
    const planned = g.chance(0.7)
    const dayN = today - g.int(45) + g.int(5)
    // an elder has at most one planned visit still due
    const drawn = planned ? g.pick(['due', 'on_site', 'done', 'missed']) : 'done'
    const status = drawn === 'due' && due.has(elder.id) ? 'missed' : drawn
    if (planned && status === 'due') due.add(elder.id)
    const signed = status === 'done' || status === 'on_site' || (status === 'missed' && g.chance(0.1))
    const signedInAt = !signed
      ? undefined
      : signTimes.length > 0 && g.chance(0.15)
        ? g.pick(signTimes)
        : dayN * DAY + g.int(DAY)
    if (signedInAt !== undefined) signTimes.push(signedInAt)
    const needs = g.pick([[], [], ['meals'], ['medicine', 'money']])
    const report = g.chance(0.6)
      ? { condition: g.pick(['well', 'unwell', 'needs_help']), ...(g.chance(0.9) ? { needs } : {}) }
      : undefined
    const onSiteS = g.chance(0.8) ? g.pick([0, 59, 60, 61, 600, 601, 1800]) + g.int(3) * 60 : undefined
    const stationId = g.chance(0.7) ? g.pick(['S1', 'S2', 's1', '站3']) : undefined
    world.visits.push(
      aVisit({
        id: `V${String(i).padStart(5, '0')}`,
        elderId: elder.id,
        kind: planned ? 'planned' : g.pick(['call', 'escort', 'passing', 'other']),
        status,
        day: dayOfNumber(dayN),
        grid: g.chance(0.9) ? elder.grid : g.pick(paths),
        risk: g.pick(riskGrades),
        flags: g.pick([[], [], ['late'], ['far'], ['no_fix', 'late'], ['no_photo']]),
        ...(stationId === undefined ? {} : { stationId }),
        ...(signedInAt === undefined ? {} : { signedInAt }),
        ...(onSiteS === undefined ? {} : { onSiteS }),
        ...(report === undefined ? {} : { report }),
      }),
    )
  }
  return world
}
