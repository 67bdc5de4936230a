import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutboxAppend, OutboxLine } from '../../../gateway/history/ports.ts'
import type { PointClass } from '../../../gateway/history/schema.ts'
import { Store } from '../../../gateway/store/db.ts'
import { SqliteOutbox } from '../../../gateway/store/sqlite/outbox.ts'
import { aStore } from './a-store.ts'

let store: ReturnType<typeof aStore>
let repo: SqliteOutbox
beforeEach(() => {
  store = aStore()
  repo = new SqliteOutbox(store)
})
afterEach(() => store.remove())

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
const values = async () => (await repo.take(100)).map((r) => Number(r.line.split(' ')[2]))

describe('the history outbox’s SQLite adapter', () => {
  it('queues lines in order, and hands the oldest out first', async () => {
    await repo.append(append({ lines: lines('alarm', 1, 2), at: 1_000 }))
    await repo.append(append({ lines: lines('position', 3), at: 2_000 }))
    expect(await repo.take(2)).toEqual([
      { id: 1, cls: 'alarm', line: 'm v=1 1' },
      { id: 2, cls: 'alarm', line: 'm v=2 2' },
    ])
    expect(await repo.counts()).toEqual({ waiting: 3, rejected: 0 })
    expect(await repo.oldestAt()).toBe(1_000)
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

  it('deletes a written range, and sets a refused line apart with the server’s answer', async () => {
    await repo.append(append({ lines: lines('vitals', 1, 2, 3, 4), at: 500 }))
    expect(await repo.remove(1, 2)).toBe(2)
    expect(await repo.setAside([3], 400, 'field type conflict', 9_000)).toBe(1)
    expect(await values()).toEqual([4])
    expect(await repo.counts()).toEqual({ waiting: 1, rejected: 1 })
    expect(
      store.db.prepare('SELECT cls, line, at, rejected_at, status, reason FROM history_rejected').all(),
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

  it('moves the alarm cursor only forward, with an append or alone, and keeps it across restarts', async () => {
    expect(await repo.cursor()).toBeUndefined()
    await repo.advanceCursor(5_000)
    await repo.append(append({ lines: lines('alarm', 1), cursor: 7_000 }))
    await repo.append(append({ lines: lines('alarm', 2), cursor: 6_000 }))
    await repo.advanceCursor(4_000)
    const other = new Store(store.path)
    other.open()
    try {
      expect(await new SqliteOutbox(other).cursor()).toBe(7_000)
      expect(await new SqliteOutbox(other).counts()).toEqual({ waiting: 2, rejected: 0 })
    } finally {
      other.close()
    }
  })
})
