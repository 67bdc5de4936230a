import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Alarm, TimelineEntry } from '../../../gateway/alarms/model.ts'
import type { OfferRecord } from '../../../gateway/alarms/offers.ts'
import {
  type AlarmChange,
  type AlarmFilter,
  type AlarmRepository,
  type MessageRecord,
  StaleAlarmError,
} from '../../../gateway/alarms/ports.ts'
import { gridKey } from '../../../gateway/registry/schemas.ts'
import { PgAlarms } from '../../../gateway/store/postgres/alarms.ts'
import { SqliteAlarms } from '../../../gateway/store/sqlite/alarms.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'

const stores = testStores()

function alarms(store: TestStore): AlarmRepository {
  if (store.sqlite) return new SqliteAlarms(store.sqlite)
  if (store.pg) return new PgAlarms(store.pg)
  throw new Error(`no ${store.kind} store`)
}

const T0 = 1_760_000_000_000
const MIN = 60_000
const EAST = gridKey(['海丰街道', '东关社区', 'G01'])
const WEST = gridKey(['海丰街道', '西关社区', 'G02'])
const TOWN = gridKey(['车王镇', '北村', 'G03'])

function anAlarm(over: Partial<Alarm> = {}): Alarm {
  return {
    id: 'A1',
    kind: 'sos',
    priority: 1,
    state: 'open',
    escalated: false,
    elderId: 'E01',
    deviceId: 'D01',
    raisedAt: T0,
    lat: 37.38,
    lon: 117.97,
    round: 0,
    seq: 1,
    updatedAt: T0,
    ...over,
  }
}

function anOffer(over: Partial<OfferRecord> = {}): OfferRecord {
  return {
    carerId: 'C01',
    round: 1,
    status: 'pending',
    offeredAt: T0 + 1_000,
    expiresAt: T0 + 61_000,
    distanceM: 420.5,
    etaMin: 6.5,
    ...over,
  }
}

const aMessage = (over: Partial<MessageRecord> = {}): MessageRecord => ({
  deviceId: 'D01',
  msgId: 'm-1',
  topic: 'care/v1/devices/D01/sos',
  at: T0,
  alarmId: 'A1',
  ...over,
})

const noOffers = { insert: [], status: [] }

/** A new alarm as raised: its row and its `raised` entry (seq 1), and the device message, if any. */
function raised(alarm: Alarm, grid = EAST, message?: MessageRecord): AlarmChange {
  return {
    alarm: { value: alarm, created: { grid, msgId: message?.msgId } },
    entries: [{ seq: 1, type: 'raised', at: alarm.raisedAt, actor: 'device' }],
    offers: noOffers,
    ...(message ? { message } : {}),
  }
}

/** An alarm stored as history leaves it: raised (seq 1) and, unless open, moved to its state (seq 2). */
async function stored(repo: AlarmRepository, alarm: Alarm, grid = EAST): Promise<void> {
  const entries: TimelineEntry[] = [{ seq: 1, type: 'raised', at: alarm.raisedAt }]
  // every state past `open` names the entry that moves an alarm into it
  if (alarm.state !== 'open') entries.push({ seq: 2, type: alarm.state, at: alarm.updatedAt })
  await repo.commit({
    alarm: { value: { ...alarm, seq: entries.length }, created: { grid } },
    entries,
    offers: noOffers,
  })
}

describe.each(storeKinds)('the alarms’ adapter (%s)', (kind) => {
  let store: TestStore
  let repo: AlarmRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = alarms(store)
  })
  afterEach(() => store.close())

  it('stores a new alarm whole: its row, its timeline, its offers and the device message', async () => {
    const alarm = anAlarm({ state: 'offered', round: 1, seq: 2, updatedAt: T0 + 1_000 })
    await repo.commit({
      alarm: { value: alarm, created: { grid: EAST, msgId: 'm-1' } },
      entries: [
        { seq: 1, type: 'raised', at: T0, actor: 'device' },
        {
          seq: 2,
          type: 'offered',
          at: T0 + 1_000,
          carerId: 'C01',
          note: '两位护工',
          data: { carers: ['C01', 'C02'], round: 1 },
        },
      ],
      offers: { insert: [anOffer(), anOffer({ carerId: 'C02', distanceM: 900, etaMin: 12 })], status: [] },
      message: aMessage(),
    })
    expect(await repo.get('A1')).toEqual(alarm)
    expect(await repo.timeline('A1')).toEqual([
      { seq: 1, type: 'raised', at: T0, actor: 'device' },
      {
        seq: 2,
        type: 'offered',
        at: T0 + 1_000,
        carerId: 'C01',
        note: '两位护工',
        data: { carers: ['C01', 'C02'], round: 1 },
      },
    ])
    expect(await repo.offers('A1')).toEqual([
      anOffer(),
      anOffer({ carerId: 'C02', distanceM: 900, etaMin: 12 }),
    ])
    expect(await repo.seenMessage('D01', 'm-1')).toEqual({ alarmId: 'A1', topic: 'care/v1/devices/D01/sos' })
    expect(await repo.seenMessage('D01', 'm-2')).toBeUndefined()
    expect(await store.rows('SELECT grid, msg_id FROM alarms')).toEqual([{ grid: EAST, msg_id: 'm-1' }])
  })

  it('answers an alarm it does not know with nothing', async () => {
    expect(await repo.get('A9')).toBeUndefined()
    expect(await repo.timeline('A9')).toEqual([])
    expect(await repo.offers('A9')).toEqual([])
  })

  it('stores an update: the alarm’s new state, its new entries and its offers’ news', async () => {
    await repo.commit({
      ...raised(anAlarm({ state: 'offered', round: 1, seq: 1 })),
      offers: { insert: [anOffer(), anOffer({ carerId: 'C02' })], status: [] },
    })
    const accepted = anAlarm({
      state: 'accepted',
      carerId: 'C02',
      acceptedAt: T0 + 30_000,
      round: 1,
      seq: 3,
      updatedAt: T0 + 30_000,
    })
    await repo.commit({
      alarm: { value: accepted },
      entries: [
        { seq: 2, type: 'accepted', at: T0 + 30_000, carerId: 'C02' },
        { seq: 3, type: 'withdrawn', at: T0 + 30_000, carerId: 'C01' },
      ],
      offers: {
        insert: [],
        status: [
          { carerId: 'C02', status: 'accepted' },
          { carerId: 'C01', status: 'pending' },
          { carerId: 'C01', status: 'withdrawn' },
        ],
      },
    })
    expect(await repo.get('A1')).toEqual(accepted)
    expect((await repo.timeline('A1')).map((e) => [e.seq, e.type])).toEqual([
      [1, 'raised'],
      [2, 'accepted'],
      [3, 'withdrawn'],
    ])
    expect((await repo.offers('A1')).map((o) => [o.carerId, o.status])).toEqual([
      ['C01', 'withdrawn'],
      ['C02', 'accepted'],
    ])
    // the arrival and the close: every column the lifecycle moves, and back to none where it clears
    const closed = anAlarm({
      ...accepted,
      state: 'resolved',
      escalated: true,
      priority: 2,
      arrivedAt: T0 + 20 * MIN,
      resolvedAt: T0 + 40 * MIN,
      outcome: 'assisted',
      arrivalDistanceM: 250.5,
      arrivalFlagged: true,
      overdueAt: T0 + 15 * MIN,
      seq: 4,
      updatedAt: T0 + 40 * MIN,
    })
    await repo.commit({
      alarm: { value: closed },
      entries: [{ seq: 4, type: 'resolved', at: T0 + 40 * MIN }],
      offers: noOffers,
    })
    expect(await repo.get('A1')).toEqual(closed)
    const { overdueAt: _, ...notOverdue } = closed
    await repo.commit({
      alarm: { value: { ...notOverdue, arrivalFlagged: false } },
      entries: [],
      offers: noOffers,
    })
    expect(await repo.get('A1')).toEqual({ ...notOverdue, arrivalFlagged: false })
  })

  it('remembers a device message that raised nothing', async () => {
    await repo.commit({ entries: [], offers: noOffers, message: aMessage({ msgId: 'm-7', alarmId: null }) })
    expect(await repo.seenMessage('D01', 'm-7')).toEqual({ alarmId: null, topic: 'care/v1/devices/D01/sos' })
    expect(await repo.seenMessage('D02', 'm-7')).toBeUndefined()
  })

  it('refuses a device message already acted on, storing nothing of the change', async () => {
    await repo.commit(raised(anAlarm(), EAST, aMessage()))
    // the same message again, with a second alarm
    await expect(
      repo.commit(raised(anAlarm({ id: 'A2', elderId: 'E02' }), EAST, aMessage({ alarmId: 'A2' }))),
    ).rejects.toThrow()
    expect(await repo.get('A2')).toBeUndefined()
    expect(await repo.timeline('A2')).toEqual([])
    // the same message again, moving the first alarm on
    await expect(
      repo.commit({
        alarm: { value: anAlarm({ state: 'cancelled', resolvedAt: T0 + 5_000, seq: 2 }) },
        entries: [{ seq: 2, type: 'cancelled', at: T0 + 5_000 }],
        offers: { insert: [anOffer()], status: [] },
        message: aMessage(),
      }),
    ).rejects.toThrow()
    expect(await repo.get('A1')).toEqual(anAlarm())
    expect(await repo.timeline('A1')).toHaveLength(1)
    expect(await repo.offers('A1')).toEqual([])
    expect(await repo.seenMessage('D01', 'm-1')).toEqual({ alarmId: 'A1', topic: 'care/v1/devices/D01/sos' })
  })

  describe('lists', () => {
    beforeEach(async () => {
      const at = (m: number) => T0 + m * MIN
      await stored(repo, anAlarm({ id: 'A1', raisedAt: at(0), updatedAt: at(0) }), EAST)
      await stored(
        repo,
        anAlarm({ id: 'A2', kind: 'fall', elderId: 'E02', raisedAt: at(10), updatedAt: at(10) }),
        WEST,
      )
      await stored(
        repo,
        anAlarm({
          id: 'A3',
          elderId: 'E04',
          state: 'accepted',
          carerId: 'C01',
          acceptedAt: at(22),
          raisedAt: at(20),
          updatedAt: at(22),
        }),
        EAST,
      )
      await stored(
        repo,
        anAlarm({
          id: 'A4',
          kind: 'smoke',
          elderId: 'E03',
          state: 'resolved',
          outcome: 'false_alarm',
          resolvedAt: at(25),
          raisedAt: at(20),
          updatedAt: at(25),
        }),
        TOWN,
      )
      await stored(
        repo,
        anAlarm({ id: 'A5', state: 'cancelled', resolvedAt: at(31), raisedAt: at(30), updatedAt: at(31) }),
        WEST,
      )
      // A5 was rated by the call-back: off the worklist
      await repo.commit({
        alarm: {
          value: anAlarm({
            id: 'A5',
            state: 'cancelled',
            resolvedAt: at(31),
            raisedAt: at(30),
            updatedAt: at(40),
            seq: 3,
          }),
        },
        entries: [{ seq: 3, type: 'rated', at: at(40), data: { score: 5, by: 'callback' } }],
        offers: noOffers,
      })
    })

    const ids = async (filter: Partial<AlarmFilter>) =>
      (await repo.list({ limit: 50, ...filter })).items.map((a) => a.id)

    it('lists alarms newest first, the same time by id, in pages a cursor carries on', async () => {
      const first = await repo.list({ limit: 2 })
      expect(first.items.map((a) => a.id)).toEqual(['A5', 'A4'])
      expect(first.next).toBeTypeOf('string')
      const second = await repo.list({ limit: 2, cursor: first.next })
      expect(second.items.map((a) => a.id)).toEqual(['A3', 'A2'])
      const third = await repo.list({ limit: 2, cursor: second.next })
      expect(third.items.map((a) => a.id)).toEqual(['A1'])
      expect(third.next).toBeUndefined()
      // a cursor not made here reads as the first page
      expect((await repo.list({ limit: 2, cursor: 'not-a-cursor' })).items.map((a) => a.id)).toEqual([
        'A5',
        'A4',
      ])
      expect((await repo.list({ limit: 5 })).next).toBeUndefined()
    })

    it('filters by state, kind, grid, time, elder, carer and the call-back worklist', async () => {
      expect(await ids({ state: ['open', 'accepted'] })).toEqual(['A3', 'A2', 'A1'])
      expect(await ids({ kind: ['fall', 'smoke'] })).toEqual(['A4', 'A2'])
      expect(await ids({ grid: EAST })).toEqual(['A3', 'A1'])
      expect(await ids({ grid: gridKey(['海丰街道']) })).toEqual(['A5', 'A3', 'A2', 'A1'])
      expect(await ids({ from: T0 + 10 * MIN, to: T0 + 30 * MIN })).toEqual(['A4', 'A3', 'A2'])
      expect(await ids({ elderId: 'E01' })).toEqual(['A5', 'A1'])
      expect(await ids({ carerId: 'C01' })).toEqual(['A3'])
      expect(await ids({ unrated: true })).toEqual(['A4'])
      expect(await ids({ state: ['resolved'], grid: WEST })).toEqual([])
    })

    it('answers the open alarms oldest first, and an elder’s newest open alarm of a kind', async () => {
      expect((await repo.open()).map((a) => a.id)).toEqual(['A1', 'A2', 'A3'])
      // A5, raised later, is closed
      expect((await repo.openOf('E01', 'sos'))?.id).toBe('A1')
      expect((await repo.openOf('E04', 'sos'))?.id).toBe('A3')
      expect(await repo.openOf('E01', 'fall')).toBeUndefined()
      expect(await repo.openOf('E03', 'smoke')).toBeUndefined()
      expect(await repo.openByState()).toEqual({ open: 2, accepted: 1 })
    })

    it('answers who is busy with which alarm, and how many each carer accepted since a time', async () => {
      expect(await repo.busyCarers()).toEqual(new Map([['C01', 'A3']]))
      expect(await repo.acceptedSince(T0 + 22 * MIN)).toEqual(new Map([['C01', 1]]))
      expect(await repo.acceptedSince(T0 + 23 * MIN)).toEqual(new Map())
    })

    it('answers every entry since a time, oldest first, each with its alarm as it now is', async () => {
      const since = await repo.entriesSince(T0 + 20 * MIN)
      expect(since.map(({ alarm, entry }) => [alarm.id, entry.seq, entry.type, entry.at])).toEqual([
        ['A3', 1, 'raised', T0 + 20 * MIN],
        ['A4', 1, 'raised', T0 + 20 * MIN],
        ['A3', 2, 'accepted', T0 + 22 * MIN],
        ['A4', 2, 'resolved', T0 + 25 * MIN],
        ['A5', 1, 'raised', T0 + 30 * MIN],
        ['A5', 2, 'cancelled', T0 + 31 * MIN],
        ['A5', 3, 'rated', T0 + 40 * MIN],
      ])
      expect(since.at(-1)?.entry.data).toEqual({ score: 5, by: 'callback' })
      expect(since.at(-1)?.alarm).toEqual(await repo.get('A5'))
      expect(since[0]?.alarm).toEqual(await repo.get('A3'))
      expect(await repo.entriesSince(T0 + 41 * MIN)).toEqual([])
    })
  })

  it('answers a carer’s pending offers, oldest first', async () => {
    await repo.commit({
      ...raised(anAlarm({ id: 'A1', state: 'offered', round: 1 })),
      offers: { insert: [anOffer({ offeredAt: T0 + 5_000 })], status: [] },
    })
    await repo.commit({
      ...raised(anAlarm({ id: 'A2', state: 'offered', round: 1, elderId: 'E02' })),
      offers: {
        insert: [anOffer({ offeredAt: T0 + 2_000 }), anOffer({ carerId: 'C02', offeredAt: T0 + 1_000 })],
        status: [],
      },
    })
    await repo.commit({
      ...raised(anAlarm({ id: 'A3', state: 'offered', round: 1, elderId: 'E03' })),
      offers: { insert: [anOffer({ offeredAt: T0, status: 'declined' })], status: [] },
    })
    expect(await repo.pendingOffersOf('C01')).toEqual([
      { alarmId: 'A2', offer: anOffer({ offeredAt: T0 + 2_000 }) },
      { alarmId: 'A1', offer: anOffer({ offeredAt: T0 + 5_000 }) },
    ])
    expect((await repo.pendingOffersOf('C02')).map((p) => p.alarmId)).toEqual(['A2'])
    expect(await repo.pendingOffersOf('C03')).toEqual([])
  })
})

describe.skipIf(!storeKinds.includes('postgres'))('the alarms’ PostgreSQL adapter in a cluster', () => {
  let store: TestStore
  let repo: AlarmRepository
  beforeEach(async () => {
    store = await stores.open('postgres')
    repo = alarms(store)
    await repo.commit(raised(anAlarm(), EAST, aMessage()))
  })
  afterEach(() => store.close())

  const accept = (carerId: string, seq = 2): AlarmChange => ({
    alarm: {
      value: anAlarm({ state: 'accepted', carerId, acceptedAt: T0 + 9_000, seq, updatedAt: T0 + 9_000 }),
    },
    entries: [{ seq, type: 'accepted', at: T0 + 9_000, carerId }],
    offers: { insert: [], status: [{ carerId, status: 'accepted' }] },
  })

  it('refuses a change decided on an alarm that moved on since, storing nothing of it', async () => {
    await repo.commit(accept('C01'))
    // another gateway decided from seq 1 too
    const stale = repo.commit({
      ...accept('C02'),
      offers: {
        insert: [anOffer({ carerId: 'C03', round: 2 })],
        status: [{ carerId: 'C02', status: 'accepted' }],
      },
      message: aMessage({ msgId: 'm-2' }),
    })
    await expect(stale).rejects.toBeInstanceOf(StaleAlarmError)
    await expect(stale).rejects.toThrow(/A1/)
    expect(await repo.get('A1')).toMatchObject({ state: 'accepted', carerId: 'C01', seq: 2 })
    expect((await repo.timeline('A1')).map((e) => e.carerId ?? null)).toEqual([null, 'C01'])
    expect(await repo.offers('A1')).toEqual([])
    expect(await repo.seenMessage('D01', 'm-2')).toBeUndefined()
  })

  it('refuses a change without entries when the alarm’s seq is not the one it carries', async () => {
    const escalated = (seq: number): AlarmChange => ({
      alarm: { value: anAlarm({ escalated: true, seq }) },
      entries: [],
      offers: noOffers,
    })
    await expect(repo.commit(escalated(3))).rejects.toBeInstanceOf(StaleAlarmError)
    expect(await repo.get('A1')).toMatchObject({ escalated: false })
    await repo.commit(escalated(1))
    expect(await repo.get('A1')).toMatchObject({ escalated: true, seq: 1 })
  })

  it('refuses an update of an alarm it does not hold', async () => {
    await expect(
      repo.commit({ ...accept('C01'), alarm: { value: anAlarm({ id: 'A9', seq: 2 }) } }),
    ).rejects.toThrow(StaleAlarmError)
    expect(await repo.timeline('A9')).toEqual([])
  })

  it('lets one of two gateways deciding on the same alarm at once store its decision', async () => {
    const pg = store.pg
    if (!pg) throw new Error('no PostgreSQL store')
    const other = new PgAlarms(pg)
    const results = await Promise.allSettled([repo.commit(accept('C01')), other.commit(accept('C02'))])
    const stored = results.filter((r) => r.status === 'fulfilled')
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    expect(stored).toHaveLength(1)
    expect(refused).toHaveLength(1)
    expect(refused[0]).toBeInstanceOf(StaleAlarmError)
    const winner = results[0]?.status === 'fulfilled' ? 'C01' : 'C02'
    expect(await repo.get('A1')).toMatchObject({ carerId: winner, seq: 2 })
    expect(await repo.timeline('A1')).toHaveLength(2)
  })
})
