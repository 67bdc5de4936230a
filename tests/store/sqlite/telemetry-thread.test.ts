import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '../../../gateway/store/db.ts'
import { ThreadedTelemetry } from '../../../gateway/store/sqlite/telemetry-thread.ts'
import type { PositionRow, TelemetryBatch } from '../../../gateway/telemetry/ports.ts'
import { createLogger } from '../../../kernel/observe/log.ts'
import { Metrics } from '../../../kernel/observe/metrics.ts'

/** The telemetry repository on its own thread: the same writes as on the event loop, in order. */

const dirs: string[] = []
const stores: Store[] = []
afterEach(() => {
  for (const store of stores.splice(0)) store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function open() {
  const dir = mkdtempSync(join(tmpdir(), 'care-telemetry-thread-'))
  dirs.push(dir)
  const store = new Store(join(dir, 'care.db'))
  store.open()
  stores.push(store)
  const metrics = new Metrics()
  let busy = 0
  const repo = new ThreadedTelemetry(store, { log: createLogger('silent'), metrics, busy: () => busy++ })
  await repo.start()
  return { store, repo, metrics, busy: () => busy }
}

const batch = (positions: PositionRow[], over: Partial<TelemetryBatch> = {}): TelemetryBatch => ({
  positions,
  vitals: [],
  scans: [],
  fixes: [],
  seen: new Map(),
  ...over,
})

const fix = (deviceId: string, ts: number, lat: number, receivedAt = ts): PositionRow => ({
  deviceId,
  ts,
  lat,
  lon: 117.97,
  receivedAt,
})

describe('the telemetry store’s thread', () => {
  it('stores batches handed over at once in the order they came, with their history lines', async () => {
    const { store, repo } = await open()
    // the same fix three times with another latitude: the last batch handed over must win
    const writes = [37.1, 37.2, 37.3].map((lat, i) =>
      repo.write(
        batch([fix('D01', 1_000, lat), fix('D02', 2_000 + i, lat)], {
          history: {
            lines: [{ cls: 'position', line: `position,device=D01 lat=${lat} 1000` }],
            at: 5_000 + i,
            excess: 0,
            dropOrder: ['position'],
            spareThrough: 0,
          },
        }),
      ),
    )
    await Promise.all(writes)
    const rows = store.db.prepare('SELECT device_id, ts, lat FROM positions ORDER BY device_id, ts').all()
    expect(rows).toEqual([
      { device_id: 'D01', ts: 1_000, lat: 37.3 },
      { device_id: 'D02', ts: 2_000, lat: 37.1 },
      { device_id: 'D02', ts: 2_001, lat: 37.2 },
      { device_id: 'D02', ts: 2_002, lat: 37.3 },
    ])
    const lines = store.db.prepare('SELECT line, at FROM history_outbox ORDER BY id').all()
    expect(lines.map((l) => (l as { at: number }).at)).toEqual([5_000, 5_001, 5_002])
    await repo.stop()
  })

  it('prunes in steps everything received before the cut, and nothing after it', async () => {
    const { store, repo } = await open()
    const old = Array.from({ length: 12_345 }, (_, i) => fix(`D${i % 100}`, i, 37.5, 1_000))
    await repo.write(batch(old))
    await repo.write(batch([fix('D01', 99_999, 37.6, 50_000)]))
    expect(await repo.prune(10_000)).toBe(12_345)
    expect(store.db.prepare('SELECT ts FROM positions').all()).toEqual([{ ts: 99_999 }])
    await repo.stop()
  })

  it('tells when positions stream in, reads tracks beside the writes, and writes on the event loop once stopped', async () => {
    const { store, repo, busy } = await open()
    await repo.write(batch(Array.from({ length: 10_000 }, (_, i) => fix('D01', i, 37.5))))
    expect(busy()).toBe(1)
    expect(await repo.track('D01', 9_998, 20_000, 10)).toHaveLength(2)
    await repo.stop()
    await repo.write(batch([fix('D01', 20_000, 37.9)]))
    expect(store.db.prepare('SELECT lat FROM positions WHERE ts = 20000').get()).toEqual({ lat: 37.9 })
  })

  it('starts no batch while a transaction of the event loop is under way or waiting, and writes it after', async () => {
    const { store, repo, metrics } = await open()
    const release = store.holdTurn()
    const written = repo.write(batch([fix('D01', 1, 37.5)]))
    await expect.poll(() => metrics.get('care_telemetry_gave_way_total')).toBe(1)
    expect(store.db.prepare('SELECT count(*) AS n FROM positions').get()).toEqual({ n: 0 })
    release()
    await written
    expect(store.db.prepare('SELECT count(*) AS n FROM positions').get()).toEqual({ n: 1 })
    // a transaction of the event loop holds the turn for its own length only
    store.tx(() => store.db.prepare('SELECT 1').get())
    expect(Atomics.load(store.turns, 0)).toBe(0)
    await repo.stop()
  })
})
