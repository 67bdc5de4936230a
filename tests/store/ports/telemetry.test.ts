import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxAppend } from '../../../gateway/history/ports.ts'
import { PgTelemetry } from '../../../gateway/store/postgres/telemetry.ts'
import { SqliteTelemetry } from '../../../gateway/store/sqlite/telemetry.ts'
import type { PositionRow, TelemetryBatch, TelemetryRepository } from '../../../gateway/telemetry/ports.ts'
import { type StoreKind, storeKinds, type TestStore, testStores } from '../stores.ts'

const stores = testStores()

/** Both adapters prune in steps, with a pause between two. */
type Telemetry = TelemetryRepository & {
  prune(before: number, o?: { step?: number; pause?: () => Promise<unknown> }): Promise<number>
}

function telemetry(store: TestStore): Telemetry {
  if (store.sqlite) return new SqliteTelemetry(store.sqlite)
  if (store.pg) return new PgTelemetry(store.pg)
  throw new Error(`no ${store.kind} store`)
}

const fix = (deviceId: string, ts: number, over: Partial<PositionRow> = {}): PositionRow => ({
  deviceId,
  ts,
  lat: 37.3,
  lon: 117.9,
  receivedAt: ts + 5,
  ...over,
})

const batch = (over: Partial<TelemetryBatch>): TelemetryBatch => ({
  positions: [],
  vitals: [],
  scans: [],
  fixes: [],
  seen: new Map(),
  ...over,
})

async function withStore(kind: StoreKind) {
  const store = await stores.open(kind)
  for (const id of ['D01', 'D02', 'D03']) {
    await store.run(
      `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
       VALUES (?, 'watch', 'E01', 'x', 60, 0, 0)`,
      [id],
    )
  }
  return store
}

describe.each(storeKinds)('the telemetry’s adapter (%s)', (kind) => {
  let store: TestStore
  let repo: Telemetry
  beforeEach(async () => {
    store = await withStore(kind)
    repo = telemetry(store)
  })
  afterEach(() => store.close())

  const count = async (table: string) =>
    Number((await store.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n)
  const device = async (id: string) =>
    (await store.rows('SELECT lat, lon, acc, pos_at, last_seen_at FROM devices WHERE id = ?', [id]))[0]

  it('stores a batch: positions, vitals, each device’s last fix and when it was last heard', async () => {
    const a = fix('D01', 1_000, { acc: 8, src: 'gps' })
    const b = fix('D01', 2_000)
    await repo.write(
      batch({
        positions: [a, b],
        vitals: [{ deviceId: 'D02', ts: 1_500, doc: { hr: 70, spo2: 97 }, receivedAt: 1_505 }],
        fixes: [b],
        seen: new Map([
          ['D01', 2_005],
          ['D02', 1_505],
        ]),
      }),
    )
    expect(await count('positions')).toBe(2)
    expect(await store.rows('SELECT doc FROM vitals')).toEqual([{ doc: '{"hr":70,"spo2":97}' }])
    expect(await device('D01')).toEqual({
      lat: 37.3,
      lon: 117.9,
      acc: null,
      pos_at: 2_000,
      last_seen_at: 2_005,
    })
    expect(await device('D02')).toEqual({
      lat: null,
      lon: null,
      acc: null,
      pos_at: null,
      last_seen_at: 1_505,
    })
    expect(await device('D03')).toEqual({ lat: null, lon: null, acc: null, pos_at: null, last_seen_at: null })
    expect(await repo.track('D01', 0, 1_500, 10)).toEqual([
      { deviceId: 'D01', ts: 1_000, lat: 37.3, lon: 117.9, acc: 8, src: 'gps', receivedAt: 1_005 },
    ])
    // the same fix again replaces it
    await repo.write(batch({ positions: [fix('D01', 1_000, { lat: 38 })] }))
    expect(await count('positions')).toBe(2)
    expect(await repo.track('D01', 0, 1_500, 10)).toEqual([
      { deviceId: 'D01', ts: 1_000, lat: 38, lon: 117.9, receivedAt: 1_005 },
    ])
  })

  it('keeps the later of two readings a batch holds for one device and time', async () => {
    await repo.write(
      batch({
        positions: [
          fix('D01', 1_000, { lat: 1 }),
          fix('D02', 1_000, { lat: 2 }),
          fix('D01', 1_000, { lat: 3 }),
        ],
        vitals: [
          { deviceId: 'D01', ts: 1_000, doc: { hr: 60 }, receivedAt: 1_001 },
          { deviceId: 'D01', ts: 1_000, doc: { hr: 61 }, receivedAt: 1_002 },
        ],
      }),
    )
    expect(await store.rows('SELECT device_id, lat FROM positions ORDER BY device_id')).toEqual([
      { device_id: 'D01', lat: 3 },
      { device_id: 'D02', lat: 2 },
    ])
    expect(await store.rows('SELECT doc, received_at FROM vitals')).toEqual([
      { doc: '{"hr":61}', received_at: 1_002 },
    ])
  })

  it('stores a batch’s history points in the same transaction: all of it or none', async () => {
    const history = (line: string): OutboxAppend => ({
      lines: [{ cls: 'position', line }],
      at: 9_000,
      excess: 0,
      dropOrder: [],
      spareThrough: 0,
    })
    expect(await repo.write(batch({ positions: [fix('D01', 1)], history: history('p v=1 1') }))).toEqual({
      dropped: [],
    })
    expect(await store.rows('SELECT cls, line, at FROM history_outbox')).toEqual([
      { cls: 'position', line: 'p v=1 1', at: 9_000 },
    ])
    // a point the store refuses (no line) takes the whole batch with it
    const bad = history(null as unknown as string)
    await expect(
      repo.write(
        batch({
          positions: [fix('D01', 2)],
          vitals: [{ deviceId: 'D01', ts: 2, doc: { hr: 60 }, receivedAt: 2 }],
          fixes: [fix('D01', 2)],
          seen: new Map([['D01', 7]]),
          history: bad,
        }),
      ),
    ).rejects.toThrow()
    expect(await count('positions')).toBe(1)
    expect(await count('vitals')).toBe(0)
    expect(await count('history_outbox')).toBe(1)
    expect(await device('D01')).toMatchObject({ pos_at: null, last_seen_at: null })
  })

  it('answers a track oldest first within [from, to), up to the limit', async () => {
    await repo.write(batch({ positions: [fix('D01', 30), fix('D01', 10), fix('D02', 20), fix('D01', 20)] }))
    expect((await repo.track('D01', 10, 30, 10)).map((p) => p.ts)).toEqual([10, 20])
    expect((await repo.track('D01', 0, 100, 2)).map((p) => p.ts)).toEqual([10, 20])
    expect(await repo.track('D01', 10, 11, 10)).toEqual([
      { deviceId: 'D01', ts: 10, lat: 37.3, lon: 117.9, receivedAt: 15 },
    ])
    expect(await repo.track('D03', 0, 100, 10)).toEqual([])
  })

  it('stores a batch of thousands of rows whole', async () => {
    const positions = Array.from({ length: 4_000 }, (_, i) =>
      fix(`D0${1 + (i % 3)}`, 1_000 + i, { lat: 37 + i / 10_000 }),
    )
    const vitals = Array.from({ length: 1_500 }, (_, i) => ({
      deviceId: 'D02',
      ts: i,
      doc: { hr: 60 + (i % 40) },
      receivedAt: i,
    }))
    await repo.write(batch({ positions, vitals, fixes: positions.slice(-3) }))
    expect(await count('positions')).toBe(4_000)
    expect(await count('vitals')).toBe(1_500)
    const track = await repo.track('D01', 0, 10_000, 5_000)
    expect(track).toHaveLength(1_334)
    expect(track[1]).toEqual({ deviceId: 'D01', ts: 1_003, lat: 37.0003, lon: 117.9, receivedAt: 1_008 })
    expect(await device('D03')).toMatchObject({ lat: 37 + 3_998 / 10_000, pos_at: 4_998 })
  })

  it('prunes positions and vitals received before a time, and says how many went', async () => {
    await repo.write(
      batch({
        positions: [fix('D01', 100), fix('D01', 200)],
        vitals: [{ deviceId: 'D01', ts: 100, doc: { hr: 60 }, receivedAt: 100 }],
      }),
    )
    expect(await repo.prune(150)).toBe(2)
    expect((await repo.track('D01', 0, 1_000, 10)).map((p) => p.ts)).toEqual([200])
    expect(await count('vitals')).toBe(0)
  })

  it('prunes in steps, pausing between two', async () => {
    const old = Array.from({ length: 7 }, (_, i) => fix('D01', i, { receivedAt: i }))
    await repo.write(batch({ positions: [...old, fix('D01', 500, { receivedAt: 500 })] }))
    let pauses = 0
    const removed = await repo.prune(100, { step: 3, pause: async () => pauses++ })
    expect(removed).toBe(7)
    // 3 + 3 + 1: a pause after each full step
    expect(pauses).toBe(2)
    expect((await repo.track('D01', 0, 1_000, 10)).map((p) => p.ts)).toEqual([500])
  })

  it('keeps a device’s newest fix when a backlog sent late arrives after it', async () => {
    await repo.write(batch({ positions: [fix('D01', 5_000)], fixes: [fix('D01', 5_000, { lat: 37.5 })] }))
    // an older fix, alone and with the device heard: the position stays, the last-heard time moves
    await repo.write(batch({ positions: [fix('D01', 1_000)], fixes: [fix('D01', 1_000, { lat: 36 })] }))
    await repo.write(batch({ fixes: [fix('D01', 2_000, { lat: 36 })], seen: new Map([['D01', 9_000]]) }))
    expect(await device('D01')).toEqual({
      lat: 37.5,
      lon: 117.9,
      acc: null,
      pos_at: 5_000,
      last_seen_at: 9_000,
    })
    await repo.write(
      batch({ fixes: [fix('D01', 6_000, { lat: 38, acc: 12 })], seen: new Map([['D01', 9_500]]) }),
    )
    expect(await device('D01')).toEqual({ lat: 38, lon: 117.9, acc: 12, pos_at: 6_000, last_seen_at: 9_500 })
  })

  it('of two fixes of one device in a batch, keeps the newer', async () => {
    await repo.write(batch({ fixes: [fix('D02', 3_000, { lat: 30 }), fix('D02', 2_000, { lat: 20 })] }))
    expect(await device('D02')).toMatchObject({ lat: 30, pos_at: 3_000 })
  })

  it('passes over a device it does not know', async () => {
    await repo.write(
      batch({ fixes: [fix('D09', 1_000)], seen: new Map([['D09', 1_000]]), positions: [fix('D09', 1_000)] }),
    )
    expect(await store.rows('SELECT id FROM devices WHERE last_seen_at IS NOT NULL')).toEqual([])
    expect(await repo.track('D09', 0, 2_000, 10)).toHaveLength(1)
  })

  it('keeps cells and Wi-Fi heard without a fix, and prunes them with the positions', async () => {
    const cells = [{ mcc: 460, mnc: 0, lac: 9360, cid: 4082, signal: -70 }]
    const wifi = [{ ssid: '家 "x"\\', mac: 'aa:bb:cc:dd:ee:ff', signal: -60 }]
    await repo.write(batch({ scans: [{ deviceId: 'D01', ts: 100, cells, wifi, receivedAt: 100 }] }))
    expect(await store.rows('SELECT device_id, ts, doc FROM radio_scans')).toEqual([
      { device_id: 'D01', ts: 100, doc: JSON.stringify({ cells, wifi }) },
    ])
    expect(await repo.prune(150)).toBe(1)
    expect(await count('radio_scans')).toBe(0)
  })
})

describe('the telemetry’s SQLite adapter', () => {
  let store: TestStore
  beforeEach(async () => {
    store = await withStore('sqlite')
  })
  afterEach(() => store.close())

  // the WAL checkpoints move off the event loop then (PostgreSQL has no such step)
  it('says the store is busy once 10,000 positions were written since start', async () => {
    let busy = 0
    const sqlite = store.sqlite
    if (!sqlite) throw new Error('no SQLite store')
    const repo = new SqliteTelemetry(sqlite, { busy: () => busy++ })
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => fix('D01', from + i))
    await repo.write(batch({ positions: rows(0, 9_999) }))
    expect(busy).toBe(0)
    await repo.write(batch({ positions: rows(9_999, 1) }))
    expect(busy).toBe(1)
  })
})
