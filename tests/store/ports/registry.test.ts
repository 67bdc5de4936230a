import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BulkRow, Page, RegistryRepository } from '../../../gateway/registry/ports.ts'
import type { ElderBody } from '../../../gateway/registry/schemas.ts'
import { PgRegistry } from '../../../gateway/store/postgres/registry.ts'
import { SqliteRegistry } from '../../../gateway/store/sqlite/registry.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { reconnect } from './reconnect.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }
const elder = (grid: string[], name = '张秀英', more: Partial<ElderBody> = {}): ElderBody => ({
  name,
  home: HOME,
  risk: 'medium',
  grid,
  ...more,
})
const watch = (elderId: string) => ({ kind: 'watch', elderId, intervalS: 300 }) as const
const carer = { name: '王师傅', mode: 'walk' } as const

const stores = testStores()

function registry(store: TestStore): RegistryRepository {
  if (store.sqlite) return new SqliteRegistry(store.sqlite)
  if (store.pg) return new PgRegistry(store.pg)
  throw new Error(`no ${store.kind} store`)
}

async function all<T>(list: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = []
  let cursor: string | undefined
  do {
    const page = await list(cursor)
    pages.push(page.items)
    cursor = page.next
  } while (cursor)
  return pages
}

describe.each(storeKinds)('the registry’s adapter (%s)', (kind) => {
  let store: TestStore
  let repo: RegistryRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = registry(store)
  })
  afterEach(() => store.close())

  it('stores and loads elders, devices and carers as the contract shapes them, no secret included', async () => {
    expect(await repo.saveElder('E01', elder(['滨城区']), 100)).toMatchObject({ created: true })
    expect((await repo.saveElder('E01', elder(['滨城区'], '李桂兰'), 200)).record).toMatchObject({
      id: 'E01',
      name: '李桂兰',
      createdAt: 100,
      updatedAt: 200,
    })
    await repo.saveDevice('D01', watch('E01'), 'scrypt$device', 100)
    await repo.saveCarer('C01', carer, 'scrypt$carer', 100)
    const other = await reconnect(store)
    const reopened = await registry(other)
      .load()
      .finally(() => other.close())
    expect(reopened.elders.map((e) => [e.id, e.name, e.grid])).toEqual([['E01', '李桂兰', ['滨城区']]])
    expect(reopened.devices).toEqual([
      { id: 'D01', kind: 'watch', elderId: 'E01', intervalS: 300, createdAt: 100, updatedAt: 100 },
    ])
    expect(reopened.carers).toEqual([
      { id: 'C01', name: '王师傅', mode: 'walk', duty: 'off', createdAt: 100, updatedAt: 100 },
    ])
    expect(JSON.stringify(reopened)).not.toContain('scrypt')
  })

  it('keeps a replaced device’s live state and a replaced carer’s duty and position', async () => {
    await repo.saveElder('E01', elder([]), 100)
    await repo.saveDevice('D01', watch('E01'), 'h', 100)
    await repo.saveCarer('C01', carer, 'h', 100)
    await store.run("UPDATE devices SET online = 1, battery = 55, last_seen_at = 150 WHERE id = 'D01'")
    await store.run("UPDATE carers SET duty = 'on', lat = 37.4, lon = 117.9, pos_at = 160 WHERE id = 'C01'")
    const device = await repo.saveDevice('D01', { ...watch('E01'), intervalS: 60 }, 'h2', 200)
    expect(device).toMatchObject({ created: false, record: { intervalS: 60, online: true, battery: 55 } })
    expect(await repo.findDevice('D01')).toMatchObject({ lastSeenAt: 150 })
    expect(await repo.findDevice('D99')).toBeUndefined()
    const replaced = await repo.saveCarer('C01', { ...carer, name: '王建国' }, 'h2', 200)
    expect(replaced.record).toMatchObject({ name: '王建国', duty: 'on', position: { lat: 37.4, at: 160 } })
    expect(await repo.credential('C01')).toEqual({ kind: 'carer', secretHash: 'h2' })
  })

  it('pages newest first, and narrows elders and their devices to a grid prefix', async () => {
    for (let i = 0; i < 5; i++) {
      const grid = i % 2 === 0 ? ['滨城区', '市中街道'] : ['沾化区']
      await repo.saveElder(`E0${i}`, elder(grid), 100 + i)
      await repo.saveDevice(`D0${i}`, watch(`E0${i}`), 'h', i < 2 ? 500 : 400) // ties on time go by id
    }
    const elders = await all((cursor) => repo.listElders({ limit: 2, cursor }))
    expect(elders.map((p) => p.map((e) => e.id))).toEqual([['E04', 'E03'], ['E02', 'E01'], ['E00']])
    const devices = await all((cursor) => repo.listDevices({ limit: 2, cursor }))
    expect(devices.flat().map((d) => d.id)).toEqual(['D01', 'D00', 'D04', 'D03', 'D02'])
    const street = await repo.listElders({ limit: 10, grid: ['滨城区'] })
    expect(street.items.map((e) => e.id)).toEqual(['E04', 'E02', 'E00'])
    // a prefix matches whole names only
    expect((await repo.listElders({ limit: 10, grid: ['滨城'] })).items).toEqual([])
    const streetDevices = await repo.listDevices({ limit: 10, grid: ['滨城区', '市中街道'] })
    expect(streetDevices.items.map((d) => d.id)).toEqual(['D00', 'D04', 'D02'])
    const theirs = await repo.listDevices({ limit: 10, elderIds: ['E01', 'E03'] })
    expect(theirs.items.map((d) => d.id)).toEqual(['D01', 'D03'])
    expect((await repo.listDevices({ limit: 10, elderIds: [] })).items).toEqual([])
  })

  it('finds elders by risk and by a word of their id, name, phone or address, ASCII case aside', async () => {
    await repo.saveElder('E-Zhang', elder([], 'Zhang Xiuying', { phone: '13900000001', risk: 'high' }), 100)
    await repo.saveElder('E-li', elder([], '李桂兰', { address: 'Room 3, No. 5 Huanghe Rd' }), 110)
    await repo.saveElder('E-wang', elder([], 'Élodie 100%', { risk: 'low' }), 120)
    const found = async (text: string) =>
      (await repo.listElders({ limit: 10, text })).items.map((e) => e.id).sort()
    expect(await found('zhang')).toEqual(['E-Zhang'])
    expect(await found('XIUYING')).toEqual(['E-Zhang'])
    expect(await found('0000')).toEqual(['E-Zhang'])
    expect(await found('huanghe')).toEqual(['E-li'])
    expect(await found('桂兰')).toEqual(['E-li'])
    expect(await found('e-')).toEqual(['E-Zhang', 'E-li', 'E-wang'])
    // a % is a character to find, not a wildcard
    expect(await found('100%')).toEqual(['E-wang'])
    expect(await found('1%0')).toEqual([])
    // both stores fold ASCII letters only: an accented capital is found as typed, lowercased
    expect(await found('élodie')).toEqual([])
    expect(await found('lodie')).toEqual(['E-wang'])
    const risky = await repo.listElders({ limit: 10, risk: ['high', 'low'] })
    expect(risky.items.map((e) => e.id)).toEqual(['E-wang', 'E-Zhang'])
    const both = await repo.listElders({ limit: 10, risk: ['medium'], text: 'e-' })
    expect(both.items.map((e) => e.id)).toEqual(['E-li'])
  })

  it('keeps stations and services, paged newest first, stations narrowed by grid', async () => {
    const station = (grid: string[]) => ({ name: '市中街道站', grid, phone: '0543-1234567' })
    expect(await repo.saveStation('ST1', station(['滨城区', '市中街道']), 100)).toMatchObject({
      created: true,
      record: { id: 'ST1', name: '市中街道站', grid: ['滨城区', '市中街道'], createdAt: 100 },
    })
    await repo.saveStation('ST2', station(['沾化区']), 110)
    expect((await repo.saveStation('ST1', station(['滨城区']), 120)).created).toBe(false)
    expect(await repo.findStation('ST1')).toMatchObject({ grid: ['滨城区'], createdAt: 100, updatedAt: 120 })
    expect(await repo.findStation('ST9')).toBeUndefined()
    expect((await repo.listStations({ limit: 10, grid: ['滨城区'] })).items.map((s) => s.id)).toEqual(['ST1'])
    expect((await all((cursor) => repo.listStations({ limit: 1, cursor }))).flat().map((s) => s.id)).toEqual([
      'ST2',
      'ST1',
    ])

    expect(await repo.saveService('S01', { name: 'flows' }, 'h', 100)).toEqual({
      created: true,
      record: { id: 'S01', name: 'flows', createdAt: 100, updatedAt: 100 },
    })
    await repo.saveService('S02', {}, 'h', 100)
    const services = await all((cursor) => repo.listServices({ limit: 1, cursor }))
    expect(services).toEqual([
      [{ id: 'S02', name: '', createdAt: 100, updatedAt: 100 }],
      [{ id: 'S01', name: 'flows', createdAt: 100, updatedAt: 100 }],
    ])
    await repo.saveCarer('C01', carer, 'h', 100)
    await repo.saveCarer('C02', carer, 'h', 90)
    expect((await repo.listCarers({ limit: 5 })).items.map((c) => c.id)).toEqual(['C01', 'C02'])
  })

  it('finds any principal’s credential by id, and imports a batch with the registry’s refusals', async () => {
    await repo.saveService('S01', { name: 'flows' }, 'scrypt$service', 100)
    const results = await repo.importMany(
      [
        { type: 'device', id: 'D00', body: watch('E01'), secretHash: 'x' }, // its elder comes later
        { type: 'elder', id: 'E01', body: elder([]) },
        { type: 'device', id: 'D01', body: watch('E01'), secretHash: 'scrypt$d1' },
        { type: 'device', id: 'D02', body: watch('E02'), secretHash: 'x' },
        { type: 'device', id: 'S01', body: watch('E01'), secretHash: 'x' },
        { type: 'carer', id: 'D01', body: carer, secretHash: 'x' },
        { type: 'carer', id: 'C01', body: carer, secretHash: 'scrypt$c1' },
        { type: 'device', id: 'C01', body: watch('E01'), secretHash: 'x' },
      ],
      100,
    )
    expect(results.map((r) => ('refused' in r ? r.refused : r.stored.created))).toEqual([
      'UNKNOWN_ELDER',
      true,
      true,
      'UNKNOWN_ELDER',
      'ID_TAKEN',
      'ID_TAKEN',
      true,
      'ID_TAKEN',
    ])
    expect(await repo.credential('D01')).toEqual({ kind: 'device', secretHash: 'scrypt$d1' })
    expect(await repo.credential('C01')).toEqual({ kind: 'carer', secretHash: 'scrypt$c1' })
    expect(await repo.credential('S01')).toEqual({ kind: 'service', secretHash: 'scrypt$service' })
    expect(await repo.credential('D02')).toBeUndefined()
    expect(await repo.credential('D00')).toBeUndefined()
    expect(await repo.importMany([], 100)).toEqual([])
  })

  it('imports an id twice in one batch as two writes in order: the last stands, each row answers its own', async () => {
    await repo.saveElder('E01', elder([]), 50)
    await repo.saveDevice('D01', watch('E01'), 'h', 50)
    await store.run("UPDATE devices SET online = 1, battery = 80 WHERE id = 'D01'")
    const results = await repo.importMany(
      [
        { type: 'elder', id: 'E02', body: elder([], '一') },
        { type: 'device', id: 'D01', body: { ...watch('E01'), intervalS: 60 }, secretHash: 'h1' },
        { type: 'elder', id: 'E02', body: elder([], '二') },
        { type: 'elder', id: 'E01', body: elder([], '三') },
        { type: 'device', id: 'D01', body: { ...watch('E02'), intervalS: 120 }, secretHash: 'h2' },
        { type: 'elder', id: 'E02', body: elder([], '四') },
      ],
      200,
    )
    expect(results).toEqual([
      {
        stored: { created: true, record: expect.objectContaining({ id: 'E02', name: '一', createdAt: 200 }) },
      },
      {
        stored: {
          created: false,
          record: expect.objectContaining({ elderId: 'E01', intervalS: 60, online: true, battery: 80 }),
        },
      },
      { stored: { created: false, record: expect.objectContaining({ name: '二', createdAt: 200 }) } },
      { stored: { created: false, record: expect.objectContaining({ name: '三', createdAt: 50 }) } },
      {
        stored: {
          created: false,
          record: expect.objectContaining({ elderId: 'E02', intervalS: 120, createdAt: 50, updatedAt: 200 }),
        },
      },
      { stored: { created: false, record: expect.objectContaining({ name: '四' }) } },
    ])
    const loaded = await repo.load()
    expect(loaded.elders.map((e) => [e.id, e.name]).sort()).toEqual([
      ['E01', '三'],
      ['E02', '四'],
    ])
    expect(await repo.credential('D01')).toEqual({ kind: 'device', secretHash: 'h2' })
  })

  it('imports thousands of rows in one batch, every one answered with its record', async () => {
    const n = 1_203 // more rows than one statement writes
    const rows: BulkRow[] = []
    for (let i = 0; i < n; i++) {
      const id = `E${String(i).padStart(5, '0')}`
      rows.push({ type: 'elder', id, body: elder(['滨城区'], `老人${i}`) })
      rows.push({ type: 'device', id: `D${id}`, body: watch(id), secretHash: `h${i}` })
    }
    const results = await repo.importMany(rows, 300)
    expect(results.filter((r) => 'stored' in r && r.stored.created)).toHaveLength(2 * n)
    expect(results[2 * 1_000 + 1]).toEqual({
      stored: {
        created: true,
        record: {
          id: 'DE01000',
          kind: 'watch',
          elderId: 'E01000',
          intervalS: 300,
          createdAt: 300,
          updatedAt: 300,
        },
      },
    })
    const loaded = await repo.load()
    expect(loaded.elders).toHaveLength(n)
    expect(loaded.devices).toHaveLength(n)
    expect(await repo.credential(`DE0${n - 1}`)).toEqual({ kind: 'device', secretHash: `h${n - 1}` })
  })

  it('keeps web users: a replaced one stays disabled, the admins are counted, a deleted one is gone', async () => {
    const admin = { role: 'admin' } as const
    expect((await repo.saveUser('boss', admin, 'h', 100)).created).toBe(true)
    await repo.saveUser('li', { role: 'supervisor', grid: ['滨城区'], name: '李' }, 'h-li', 110)
    await repo.saveUser('root', admin, 'h', 120)
    expect(await repo.enabledAdmins()).toBe(2)
    expect(await repo.enabledAdmins('boss')).toBe(1)
    expect(await repo.setUserDisabled('root', true, 130)).toMatchObject({ disabled: true, updatedAt: 130 })
    expect(await repo.setUserDisabled('nobody', true, 130)).toBeUndefined()
    const replaced = await repo.saveUser('root', admin, 'h2', 140)
    expect(replaced).toMatchObject({ created: false, record: { disabled: true, createdAt: 120 } })
    expect(await repo.enabledAdmins()).toBe(1)
    expect(await repo.setUserDisabled('root', false, 150)).toMatchObject({ disabled: false, updatedAt: 150 })
    expect(await repo.enabledAdmins()).toBe(2)
    expect(await repo.findUser('li')).toEqual({
      user: {
        username: 'li',
        role: 'supervisor',
        grid: ['滨城区'],
        name: '李',
        disabled: false,
        createdAt: 110,
        updatedAt: 110,
      },
      passHash: 'h-li',
    })
    const users = await all((cursor) => repo.listUsers({ limit: 2, cursor }))
    expect(users.flat().map((u) => u.username)).toEqual(['root', 'li', 'boss'])
    expect(await repo.deleteUser('li')).toBe(true)
    expect(await repo.deleteUser('li')).toBe(false)
    expect(await repo.findUser('li')).toBeUndefined()
  })

  it('judges writes from several nodes at once one after another: one creates, an id stays one principal', async () => {
    const nodes = [await reconnect(store), await reconnect(store), await reconnect(store)]
    try {
      const all = [repo, ...nodes.map(registry)]
      const saved = await Promise.all(all.map((r, i) => r.saveElder('E01', elder([], `老人${i}`), 100 + i)))
      expect(saved.filter((s) => s.created)).toHaveLength(1)
      const imported = await Promise.all(
        all.map((r, i) =>
          r.importMany(
            [
              i % 2 === 0
                ? { type: 'device', id: 'X01', body: watch('E01'), secretHash: `h${i}` }
                : { type: 'carer', id: 'X01', body: carer, secretHash: `h${i}` },
            ],
            200,
          ),
        ),
      )
      const answers = imported.flat().map((r) => ('refused' in r ? r.refused : r.stored.created))
      // the first write creates X01; a write of the same kind replaces it, the other kind is refused
      expect(answers.filter((a) => a === true)).toHaveLength(1)
      expect(answers.filter((a) => a === false)).toHaveLength(1)
      expect(answers.filter((a) => a === 'ID_TAKEN')).toHaveLength(2)
      const kinds = await store.rows<{ n: number }>(
        "SELECT (SELECT count(*) FROM devices WHERE id = 'X01') + (SELECT count(*) FROM carers WHERE id = 'X01') AS n",
      )
      expect(Number(kinds[0]?.n)).toBe(1)
    } finally {
      for (const node of nodes) await node.close()
    }
  })
})
