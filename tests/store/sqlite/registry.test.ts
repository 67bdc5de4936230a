import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from '../../../gateway/registry/ports.ts'
import type { ElderBody } from '../../../gateway/registry/schemas.ts'
import { SqliteRegistry } from '../../../gateway/store/sqlite/registry.ts'
import { aStore } from './a-store.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }
const elder = (grid: string[], name = '张秀英'): ElderBody => ({ name, home: HOME, risk: 'medium', grid })
const watch = (elderId: string) => ({ kind: 'watch', elderId, intervalS: 300 }) as const
const carer = { name: '王师傅', mode: 'walk' } as const

let store: ReturnType<typeof aStore>
let repo: SqliteRegistry
beforeEach(() => {
  store = aStore()
  repo = new SqliteRegistry(store)
})
afterEach(() => store.remove())

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

describe('the registry’s SQLite adapter', () => {
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
    const reopened = await new SqliteRegistry(store).load()
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
    store.db.exec("UPDATE devices SET online = 1, battery = 55, last_seen_at = 150 WHERE id = 'D01'")
    store.db.exec("UPDATE carers SET duty = 'on', lat = 37.4, lon = 117.9, pos_at = 160 WHERE id = 'C01'")
    const device = await repo.saveDevice('D01', { ...watch('E01'), intervalS: 60 }, 'h2', 200)
    expect(device).toMatchObject({ created: false, record: { intervalS: 60, online: true, battery: 55 } })
    expect(await repo.findDevice('D01')).toMatchObject({ lastSeenAt: 150 })
    const replaced = await repo.saveCarer('C01', { ...carer, name: '王建国' }, 'h2', 200)
    expect(replaced.record).toMatchObject({ name: '王建国', duty: 'on', position: { lat: 37.4, at: 160 } })
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
  })

  it('finds any principal’s credential by id, and imports a batch with the registry’s refusals', async () => {
    await repo.saveService('S01', { name: 'flows' }, 'scrypt$service', 100)
    const results = await repo.importMany(
      [
        { type: 'elder', id: 'E01', body: elder([]) },
        { type: 'device', id: 'D01', body: watch('E01'), secretHash: 'scrypt$d1' },
        { type: 'device', id: 'D02', body: watch('E02'), secretHash: 'x' },
        { type: 'device', id: 'S01', body: watch('E01'), secretHash: 'x' },
        { type: 'carer', id: 'D01', body: carer, secretHash: 'x' },
        { type: 'carer', id: 'C01', body: carer, secretHash: 'scrypt$c1' },
      ],
      100,
    )
    expect(results.map((r) => ('refused' in r ? r.refused : r.stored.created))).toEqual([
      true,
      true,
      'UNKNOWN_ELDER',
      'ID_TAKEN',
      'ID_TAKEN',
      true,
    ])
    expect(await repo.credential('D01')).toEqual({ kind: 'device', secretHash: 'scrypt$d1' })
    expect(await repo.credential('C01')).toEqual({ kind: 'carer', secretHash: 'scrypt$c1' })
    expect(await repo.credential('S01')).toEqual({ kind: 'service', secretHash: 'scrypt$service' })
    expect(await repo.credential('D02')).toBeUndefined()
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
    expect((await repo.saveUser('root', admin, 'h2', 140)).record.disabled).toBe(true)
    expect(await repo.enabledAdmins()).toBe(1)
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
})
