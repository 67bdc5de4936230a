import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxAppend, OutboxLine, OutboxRepository } from '../../../gateway/history/ports.ts'
import type { PointClass } from '../../../gateway/history/schema.ts'
import { PgOutbox } from '../../../gateway/store/postgres/outbox.ts'
import { SqliteOutbox } from '../../../gateway/store/sqlite/outbox.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function outbox(store: TestStore): OutboxRepository {
  if (store.sqlite) return new SqliteOutbox(store.sqlite)
  if (store.pg) return new PgOutbox(store.pg)
  throw new Error(`no ${store.kind} store`)
}

const lines = (cls: PointClass, ...values: number[]): OutboxLine[] =>
  values.map((v) => ({ cls, line: `m v=${v} ${v}` }))
const append = (over: Partial<OutboxAppend>): OutboxAppend => ({
  lines: [],
  at: 1_000,
  excess: 0,
  dropOrder: ['position', 'vitals', 'status'],
  spareThrough: 0,
  ...over,
})
/** The value each waiting line carries, oldest first. */
const valuesOf = (store: TestStore) => async () =>
  (await store.rows<{ line: string }>('SELECT line FROM history_outbox ORDER BY id')).map((r) =>
    Number(r.line.split(' ')[2]),
  )

describe.each(storeKinds)('the history outbox’s adapter (%s)', (kind) => {
  let store: TestStore
  let repo: OutboxRepository
  let values: () => Promise<number[]>
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = outbox(store)
    values = valuesOf(store)
  })
  afterEach(() => store.close())

  it('queues lines in order, and hands the oldest out first', async () => {
    expect(await repo.oldestAt()).toBeUndefined()
    await repo.append(append({ lines: lines('alarm', 1, 2), at: 1_000 }))
    await repo.append(append({ lines: lines('position', 3), at: 2_000 }))
    expect(await repo.take(2)).toEqual([
      { id: 1, cls: 'alarm', line: 'm v=1 1' },
      { id: 2, cls: 'alarm', line: 'm v=2 2' },
    ])
    expect(await repo.counts()).toEqual({ waiting: 3, rejected: 0 })
    expect(await repo.oldestAt()).toBe(1_000)
  })

  it('keeps the order of a long append', async () => {
    const many = Array.from({ length: 2_000 }, (_, i) => i)
    await repo.append(append({ lines: lines('position', ...many) }))
    const taken = await repo.take(5_000)
    expect(taken.map((r) => Number(r.line.split(' ')[2]))).toEqual(many)
    expect(taken.map((r) => r.id)).toEqual(many.map((i) => i + 1))
  })

  it('drops what the limit lets go: the oldest of each class in turn, sparing the rows in flight', async () => {
    await repo.append(
      append({ lines: [...lines('position', 1, 2), ...lines('alarm', 3), ...lines('vitals', 4, 5)] }),
    )
    // rows 1 and 2 are being written: position 6 is the oldest position that may go, then the vitals
    const result = await repo.append(append({ lines: lines('position', 6), excess: 3, spareThrough: 2 }))
    expect(result).toEqual({
      dropped: [
        { cls: 'position', count: 1 },
        { cls: 'vitals', count: 2 },
      ],
    })
    expect(await values()).toEqual([1, 2, 3])
    // alarm points are never dropped, whatever the excess
    expect(await repo.append(append({ lines: lines('alarm', 7), excess: 10, spareThrough: 3 }))).toEqual({
      dropped: [],
    })
    expect(await values()).toEqual([1, 2, 3, 7])
  })

  it('deletes a written batch, and sets a refused line apart with the server’s answer', async () => {
    await repo.append(append({ lines: lines('vitals', 1, 2, 3, 4), at: 500 }))
    const taken = await repo.take(2)
    expect(taken.map((r) => r.id)).toEqual([1, 2])
    expect(await repo.remove(1, 2)).toBe(2)
    expect(await repo.take(10)).toHaveLength(2)
    expect(await repo.setAside([3], 400, 'field type conflict', 9_000)).toBe(1)
    expect(await values()).toEqual([4])
    expect(await repo.counts()).toEqual({ waiting: 1, rejected: 1 })
    expect(
      await store.rows('SELECT cls, line, at, rejected_at, status, reason FROM history_rejected'),
    ).toEqual([
      {
        cls: 'vitals',
        line: 'm v=3 3',
        at: 500,
        rejected_at: 9_000,
        status: 400,
        reason: 'field type conflict',
      },
    ])
  })

  it('sets refused lines apart without a status, the reason cut short, and counts only those still waiting', async () => {
    await repo.append(append({ lines: lines('status', 1, 2, 3), at: 700 }))
    await repo.take(3)
    // row 2 went meanwhile (an elder's erasure)
    await store.run('DELETE FROM history_outbox WHERE id = 2')
    expect(await repo.setAside([1, 2, 3], undefined, 'r'.repeat(800), 9_000)).toBe(2)
    expect(
      await store.rows('SELECT line, status, length(reason) AS n FROM history_rejected ORDER BY id'),
    ).toEqual([
      { line: 'm v=1 1', status: null, n: 500 },
      { line: 'm v=3 3', status: null, n: 500 },
    ])
    expect(await repo.counts()).toEqual({ waiting: 0, rejected: 2 })
  })

  it('moves the alarm cursor only forward, with an append or alone, and keeps it across restarts', async () => {
    expect(await repo.cursor()).toBeUndefined()
    await repo.advanceCursor(5_000)
    await repo.append(append({ lines: lines('alarm', 1), cursor: 7_000 }))
    await repo.append(append({ lines: lines('alarm', 2), cursor: 6_000 }))
    await repo.advanceCursor(4_000)
    const other = await reconnect(store)
    try {
      expect(await outbox(other).cursor()).toBe(7_000)
      expect(await outbox(other).counts()).toEqual({ waiting: 2, rejected: 0 })
    } finally {
      await other.close()
    }
  })

  it('rolls an append back whole when a line is refused', async () => {
    const bad = { cls: 'vitals', line: null } as unknown as OutboxLine
    await expect(
      repo.append(append({ lines: [...lines('vitals', 1), bad], cursor: 3_000 })),
    ).rejects.toThrow()
    expect(await repo.counts()).toEqual({ waiting: 0, rejected: 0 })
    expect(await repo.cursor()).toBeUndefined()
  })
})

describe.skipIf(!storeKinds.includes('postgres'))('the history outbox’s PostgreSQL adapter', () => {
  let store: TestStore
  let repo: PgOutbox
  beforeEach(async () => {
    store = await stores.open('postgres')
    if (!store.pg) throw new Error('no PostgreSQL store')
    repo = new PgOutbox(store.pg)
  })
  afterEach(() => store.close())

  it('keeps a row committed inside the taken range after the take: it was never sent', async () => {
    const pg = store.pg
    if (!pg) throw new Error('no PostgreSQL store')
    await repo.append(append({ lines: lines('position', 1, 2) }))
    // another transaction draws id 3 and holds it uncommitted while ids 4 and 5 commit
    let inserted!: () => void
    const drawn = new Promise<void>((resolve) => {
      inserted = resolve
    })
    let commit!: () => void
    const held = new Promise<void>((resolve) => {
      commit = resolve
    })
    const late = pg.tx(async (q) => {
      await q.run("INSERT INTO history_outbox (cls, line, at) VALUES ('position', 'm v=3 3', 1000)")
      inserted()
      await held
    })
    await drawn
    await repo.append(append({ lines: lines('position', 4, 5) }))
    const taken = await repo.take(10)
    expect(taken.map((r) => r.id)).toEqual([1, 2, 4, 5])
    commit()
    await late
    expect(await repo.remove(1, 5)).toBe(4)
    expect(await repo.take(10)).toEqual([{ id: 3, cls: 'position', line: 'm v=3 3' }])
    expect(await repo.remove(3, 3)).toBe(1)
    expect(await repo.counts()).toEqual({ waiting: 0, rejected: 0 })
  })

  it('removes nothing it did not hand out', async () => {
    await repo.append(append({ lines: lines('position', 1, 2, 3) }))
    expect(await repo.remove(1, 3)).toBe(0)
    await repo.take(2)
    expect(await repo.remove(1, 3)).toBe(2)
    // taken by another gateway's adapter: not this one's to remove
    const other = new PgOutbox(store.pg as NonNullable<TestStore['pg']>)
    expect(await other.take(5)).toEqual([{ id: 3, cls: 'position', line: 'm v=3 3' }])
    expect(await repo.remove(3, 3)).toBe(0)
    expect(await other.remove(3, 3)).toBe(1)
  })

  it('hands a row out again after a failed write, and removes it once written', async () => {
    await repo.append(append({ lines: lines('position', 1, 2) }))
    await repo.take(2)
    // the write failed: the same rows are taken again, and a later one with them
    await repo.append(append({ lines: lines('position', 3) }))
    expect((await repo.take(10)).map((r) => r.id)).toEqual([1, 2, 3])
    expect(await repo.remove(1, 3)).toBe(3)
    expect(await repo.take(10)).toEqual([])
  })
})
