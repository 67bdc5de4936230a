import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PgDeviceStates } from '../../../gateway/store/postgres/devices.ts'
import { SqliteDeviceStates } from '../../../gateway/store/sqlite/devices.ts'
import type { DeviceStateRepository } from '../../../gateway/telemetry/ports.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function deviceStates(store: TestStore): DeviceStateRepository {
  if (store.sqlite) return new SqliteDeviceStates(store.sqlite)
  if (store.pg) return new PgDeviceStates(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the device states’ adapter (%s)', (kind) => {
  let store: TestStore
  let repo: DeviceStateRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = deviceStates(store)
    const insert = `INSERT INTO devices (id, kind, elder_id, secret_hash, interval_s, created_at, updated_at)
      VALUES (?, 'watch', ?, 'x', ?, ?, ?)`
    await store.run(insert, ['D01', 'E01', 60, 1_000, 1_000])
    await store.run(insert, ['D02', 'E02', 300, 2_000, 2_000])
  })
  afterEach(() => store.close())

  /** What another connection loads: what a restart would find. */
  async function reloaded() {
    const other = await reconnect(store)
    try {
      return await deviceStates(other).load()
    } finally {
      await other.close()
    }
  }

  it('loads every device with its owner, interval and registration time, nothing heard yet', async () => {
    expect(await repo.load()).toEqual({
      devices: [
        { id: 'D01', elderId: 'E01', intervalS: 60, createdAt: 1_000 },
        { id: 'D02', elderId: 'E02', intervalS: 300, createdAt: 2_000 },
      ],
      fences: [],
    })
  })

  it('stores a status, keeping the battery and firmware a later status leaves out', async () => {
    await repo.saveStatus('D01', { online: true, battery: 80, fw: '1.2', at: 5_000 })
    await repo.saveStatus('D01', { online: false, at: 6_000 })
    const [d01, d02] = (await reloaded()).devices
    expect(d01).toEqual({
      id: 'D01',
      elderId: 'E01',
      intervalS: 60,
      createdAt: 1_000,
      online: false,
      battery: 80,
      fw: '1.2',
      lastSeenAt: 6_000,
    })
    expect(d02).toEqual({ id: 'D02', elderId: 'E02', intervalS: 300, createdAt: 2_000 })
  })

  it('keeps a fractional battery level as reported', async () => {
    await repo.saveStatus('D01', { online: true, battery: 37.5, at: 5_000 })
    expect((await reloaded()).devices[0]).toMatchObject({ battery: 37.5, online: true })
  })

  it('stores a device gone offline and a test press', async () => {
    await repo.saveStatus('D02', { online: true, at: 5_000 })
    await repo.saveOffline('D02')
    await repo.saveTestPress('D02', 7_000)
    expect((await reloaded()).devices[1]).toMatchObject({
      online: false,
      lastTestAt: 7_000,
      lastSeenAt: 5_000,
    })
  })

  it('keeps one fence state per elder, the last one stored', async () => {
    await repo.saveFence('E01', { outside: false, strikes: 1 }, 5_000)
    await repo.saveFence('E02', { outside: false, strikes: 0 }, 5_000)
    await repo.saveFence('E01', { outside: true, strikes: 2 }, 6_000)
    expect((await reloaded()).fences).toEqual([
      { elderId: 'E01', state: { outside: true, strikes: 2 } },
      { elderId: 'E02', state: { outside: false, strikes: 0 } },
    ])
    expect(await store.rows("SELECT updated_at FROM fence_state WHERE elder_id = 'E01'")).toEqual([
      { updated_at: 6_000 },
    ])
  })
})
