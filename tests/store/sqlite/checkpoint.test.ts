import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '../../../gateway/store/db.ts'
import { WalCheckpointer } from '../../../gateway/store/sqlite/checkpoint.ts'
import { SqliteTelemetry } from '../../../gateway/store/sqlite/telemetry.ts'
import { TelemetryWriter } from '../../../gateway/telemetry/positions.ts'
import { createLogger } from '../../../kernel/observe/log.ts'
import { Metrics } from '../../../kernel/observe/metrics.ts'

describe('WAL checkpoints of a busy telemetry writer', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  const autocheckpoint = (store: Store) =>
    (store.db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint

  it('move to a worker thread once positions stream in, and back at stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-ckpt-'))
    dirs.push(dir)
    const store = new Store(join(dir, 'care.db'))
    store.open()
    const metrics = new Metrics()
    const log = createLogger('silent')
    const checkpoints = new WalCheckpointer(store, log, metrics)
    const writer = new TelemetryWriter(
      new SqliteTelemetry(store, { busy: () => checkpoints.start() }),
      log,
      metrics,
    )
    writer.start()
    const t0 = Date.now()
    const write = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        void writer.position({ deviceId: `D${i % 2_000}`, ts: t0 + i, lat: 37.7, lon: 117.6, receivedAt: t0 })
      }
      await writer.flush()
    }
    await write(0, 5_000)
    // a quiet writer leaves SQLite's own checkpoints alone
    expect(autocheckpoint(store)).toBe(1_000)
    await write(5_000, 10_000)
    expect(autocheckpoint(store)).toBe(20_000)
    const deadline = Date.now() + 10_000
    while (metrics.get('care_store_checkpointed_pages_total') === 0 && Date.now() < deadline) {
      await write(15_000 + (Date.now() % 100_000) * 10, 500)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(metrics.get('care_store_checkpointed_pages_total')).toBeGreaterThan(0)
    expect(metrics.get('care_store_checkpoint_errors_total')).toBe(0)
    await writer.stop()
    checkpoints.stop()
    expect(autocheckpoint(store)).toBe(1_000)
    const stored = store.db.prepare('SELECT count(*) AS n FROM positions').get() as { n: number }
    expect(stored.n).toBeGreaterThanOrEqual(15_000)
    store.close()
    // let the worker close its connection before the directory goes
    await new Promise((r) => setTimeout(r, 200))
  })
})
