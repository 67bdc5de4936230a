import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxAppend } from '../../../gateway/history/ports.ts'
import { SqliteTelemetry } from '../../../gateway/store/sqlite/telemetry.ts'
import type { PositionRow, TelemetryBatch } from '../../../gateway/telemetry/ports.ts'
import { aStore } from './a-store.ts'

let store: ReturnType<typeof aStore>
beforeEach(() => {
  store = aStore()
  const insert = store.db.prepare(
    `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
     VALUES (?, 'watch', 'E01', 'x', 60, 0, 0)`,
  )
  for (const id of ['D01', 'D02', 'D03']) insert.run(id)
})
afterEach(() => store.remove())

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

const count = (table: string) =>
  (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
const device = (id: string) =>
  store.db.prepare('SELECT lat, lon, acc, pos_at, last_seen_at FROM devices WHERE id = ?').get(id)

describe('the telemetry’s SQLite adapter', () => {
  it('stores a batch: positions, vitals, each device’s last fix and when it was last heard', async () => {
    const repo = new SqliteTelemetry(store)
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
    expect(count('positions')).toBe(2)
    expect(store.db.prepare('SELECT doc FROM vitals').get()).toEqual({ doc: '{"hr":70,"spo2":97}' })
    expect(device('D01')).toEqual({ lat: 37.3, lon: 117.9, acc: null, pos_at: 2_000, last_seen_at: 2_005 })
    expect(device('D02')).toEqual({ lat: null, lon: null, acc: null, pos_at: null, last_seen_at: 1_505 })
    expect(device('D03')).toEqual({ lat: null, lon: null, acc: null, pos_at: null, last_seen_at: null })
    // the same fix again replaces it
    await repo.write(batch({ positions: [fix('D01', 1_000, { lat: 38 })] }))
    expect(count('positions')).toBe(2)
    expect((await repo.track('D01', 0, 1_500, 10)).map((p) => p.lat)).toEqual([38])
  })

  it('stores a batch’s history points in the same transaction: all of it or none', async () => {
    const repo = new SqliteTelemetry(store)
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
    expect(count('history_outbox')).toBe(1)
    // a point the store refuses (no line) takes the whole batch with it
    const bad = history(null as unknown as string)
    await expect(
      repo.write(batch({ positions: [fix('D01', 2)], fixes: [fix('D01', 2)], history: bad })),
    ).rejects.toThrow()
    expect(count('positions')).toBe(1)
    expect(count('history_outbox')).toBe(1)
    expect(device('D01')).toMatchObject({ pos_at: null })
  })

  it('answers a track oldest first within [from, to), up to the limit', async () => {
    const repo = new SqliteTelemetry(store)
    await repo.write(batch({ positions: [fix('D01', 30), fix('D01', 10), fix('D02', 20), fix('D01', 20)] }))
    expect((await repo.track('D01', 10, 30, 10)).map((p) => p.ts)).toEqual([10, 20])
    expect((await repo.track('D01', 0, 100, 2)).map((p) => p.ts)).toEqual([10, 20])
    expect(await repo.track('D01', 10, 11, 10)).toEqual([
      { deviceId: 'D01', ts: 10, lat: 37.3, lon: 117.9, receivedAt: 15 },
    ])
  })

  it('prunes positions and vitals received before a time, and says how many went', async () => {
    const repo = new SqliteTelemetry(store)
    await repo.write(
      batch({
        positions: [fix('D01', 100), fix('D01', 200)],
        vitals: [{ deviceId: 'D01', ts: 100, doc: { hr: 60 }, receivedAt: 100 }],
      }),
    )
    expect(await repo.prune(150)).toBe(2)
    expect((await repo.track('D01', 0, 1_000, 10)).map((p) => p.ts)).toEqual([200])
    expect(count('vitals')).toBe(0)
  })

  it('keeps a device’s newest fix when a backlog sent late arrives after it', async () => {
    const repo = new SqliteTelemetry(store)
    await repo.write(batch({ positions: [fix('D01', 5_000)], fixes: [fix('D01', 5_000, { lat: 37.5 })] }))
    // an older fix, alone and with the device heard: the position stays, the last-heard time moves
    await repo.write(batch({ positions: [fix('D01', 1_000)], fixes: [fix('D01', 1_000, { lat: 36 })] }))
    await repo.write(batch({ fixes: [fix('D01', 2_000, { lat: 36 })], seen: new Map([['D01', 9_000]]) }))
    expect(device('D01')).toEqual({ lat: 37.5, lon: 117.9, acc: null, pos_at: 5_000, last_seen_at: 9_000 })
    await repo.write(batch({ fixes: [fix('D01', 6_000, { lat: 38 })], seen: new Map([['D01', 9_500]]) }))
    expect(device('D01')).toEqual({ lat: 38, lon: 117.9, acc: null, pos_at: 6_000, last_seen_at: 9_500 })
  })

  it('keeps cells and Wi-Fi heard without a fix, and prunes them with the positions', async () => {
    const repo = new SqliteTelemetry(store)
    const cells = [{ mcc: 460, mnc: 0, lac: 9360, cid: 4082, signal: -70 }]
    const wifi = [{ ssid: '家', mac: 'aa:bb:cc:dd:ee:ff', signal: -60 }]
    await repo.write(batch({ scans: [{ deviceId: 'D01', ts: 100, cells, wifi, receivedAt: 100 }] }))
    expect(store.db.prepare('SELECT device_id, ts, doc FROM radio_scans').all()).toEqual([
      { device_id: 'D01', ts: 100, doc: JSON.stringify({ cells, wifi }) },
    ])
    expect(await repo.prune(150)).toBe(1)
    expect(count('radio_scans')).toBe(0)
  })

  it('says the store is busy once 10,000 positions were written since start', async () => {
    let busy = 0
    const repo = new SqliteTelemetry(store, { busy: () => busy++ })
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => fix('D01', from + i))
    await repo.write(batch({ positions: rows(0, 9_999) }))
    expect(busy).toBe(0)
    await repo.write(batch({ positions: rows(9_999, 1) }))
    expect(busy).toBe(1)
  })
})
