import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gridKey } from '../../../gateway/registry/schemas.ts'
import { PgVisits } from '../../../gateway/store/postgres/visits.ts'
import { SqliteVisits } from '../../../gateway/store/sqlite/visits.ts'
import type { Visit } from '../../../gateway/visits/model.ts'
import type { Page, VisitFilter, VisitRepository } from '../../../gateway/visits/ports.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { aPhoto, aVisit } from './a-visit.ts'
import { reconnect } from './reconnect.ts'

const stores = testStores()

function visitsOf(store: TestStore): VisitRepository {
  if (store.sqlite) return new SqliteVisits(store.sqlite)
  if (store.pg) return new PgVisits(store.pg)
  throw new Error(`no ${store.kind} store`)
}

const ids = (visits: readonly Visit[]) => visits.map((v) => v.id)

describe.each(storeKinds)('the visits adapter (%s)', (kind) => {
  let store: TestStore
  let repo: VisitRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    repo = visitsOf(store)
  })
  afterEach(() => store.close())

  it('saves a visit whole and replaces it, its photo references with it', async () => {
    const first = aVisit('V1', { photos: [aPhoto(1, 10), aPhoto(2, 11)], carerId: 'C01' })
    await repo.save(first)
    const signedIn = aVisit('V1', {
      status: 'on_site',
      photos: [aPhoto(2, 11), aPhoto(3, 12)],
      signIn: { at: 5_000, lat: 37.38, lon: 117.97, distanceM: 12 },
      report: { condition: 'well', needs: ['meals'], note: '一切安好' },
      updatedAt: 5_000,
    })
    await repo.save(signedIn)
    const other = await reconnect(store)
    try {
      expect(await visitsOf(other).get('V1')).toEqual(signedIn)
    } finally {
      await other.close()
    }
    expect(await repo.get('V9')).toBeUndefined()
    expect(await repo.photoInUse(aPhoto(1, 0).id)).toBe(false)
    expect(await repo.photoInUse(aPhoto(3, 0).id)).toBe(true)
    expect(await store.rows('SELECT status, signed_in_at, carer_id FROM visits')).toEqual([
      { status: 'on_site', signed_in_at: 5_000, carer_id: null },
    ])
  })

  it('lists the ledger latest due day first, ties by id, paged by cursor', async () => {
    const days = ['2026-11-28', '2026-12-01', '2026-11-30', '2026-12-01', '2026-11-30']
    for (const [i, dueDay] of days.entries()) await repo.save(aVisit(`V${i}`, { dueDay }))
    const pages: string[][] = []
    let cursor: string | undefined
    do {
      const page: Page<Visit> = await repo.list({ limit: 2, cursor })
      pages.push(ids(page.items))
      cursor = page.next
    } while (cursor)
    expect(pages).toEqual([['V3', 'V1'], ['V4', 'V2'], ['V0']])
    expect((await repo.list({ limit: 5 })).next).toBeUndefined()
    // a cursor we did not make reads as the first page
    expect(ids((await repo.list({ limit: 1, cursor: 'not-ours' })).items)).toEqual(['V3'])
  })

  it('narrows the ledger by grid, elder, carer, station, status, kind and days', async () => {
    await repo.save(
      aVisit('V1', { elderId: 'E01', grid: ['滨城区', '市中街道'], carerId: 'C01', dueDay: '2026-11-29' }),
    )
    await repo.save(aVisit('V2', { grid: ['滨城区'], elderId: 'E02', stationId: 'ST1', status: 'missed' }))
    await repo.save(aVisit('V3', { grid: ['滨城区二'], elderId: 'E03', kind: 'call', status: 'done' }))
    await repo.save(aVisit('V4', { grid: [], elderId: 'E04', dueDay: '2026-12-02', status: 'on_site' }))
    const found = async (f: Omit<VisitFilter, 'limit'>) =>
      ids((await repo.list({ limit: 10, ...f })).items).sort()
    // a grid matches whole names: 滨城区二 is not under 滨城区
    expect(await found({ grid: gridKey(['滨城区']) })).toEqual(['V1', 'V2'])
    expect(await found({ grid: gridKey(['滨城区', '市中街道']) })).toEqual(['V1'])
    expect(await found({ elderId: 'E02' })).toEqual(['V2'])
    expect(await found({ carerId: 'C01' })).toEqual(['V1'])
    expect(await found({ stationId: 'ST1' })).toEqual(['V2'])
    expect(await found({ status: ['missed', 'on_site'] })).toEqual(['V2', 'V4'])
    expect(await found({ kind: ['call'] })).toEqual(['V3'])
    expect(await found({ kind: ['planned'], status: ['due'] })).toEqual(['V1'])
    expect(await found({ from: '2026-11-30' })).toEqual(['V2', 'V3', 'V4'])
    expect(await found({ to: '2026-11-30' })).toEqual(['V1', 'V2', 'V3'])
    expect(await found({ from: '2026-11-30', to: '2026-11-30', grid: gridKey(['滨城区']) })).toEqual(['V2'])
  })

  it('answers the due planned visits, an elder’s planned ones, and the elders planned ahead', async () => {
    await repo.save(aVisit('V1', { elderId: 'E01', dueDay: '2026-12-03' }))
    await repo.save(aVisit('V2', { elderId: 'E05', dueDay: '2026-11-29' }))
    await repo.save(aVisit('V3', { elderId: 'E01', dueDay: '2026-11-20', status: 'done' }))
    await repo.save(aVisit('V4', { elderId: 'E01', kind: 'passing', status: 'done', dueDay: '2026-12-05' }))
    await repo.save(aVisit('V5', { elderId: 'E02', status: 'on_site' }))
    await repo.save(aVisit('V6', { elderId: 'E03', status: 'missed' }))
    await repo.save(aVisit('V7', { elderId: 'E01', dueDay: '2026-11-29', status: 'missed' }))
    expect(ids(await repo.due())).toEqual(['V2', 'V1'])
    expect(ids(await repo.plannedOf('E01', 10))).toEqual(['V1', 'V7', 'V3'])
    expect(ids(await repo.plannedOf('E01', 2))).toEqual(['V1', 'V7'])
    expect(ids(await repo.plannedOf('E09', 2))).toEqual([])
    expect([...(await repo.eldersPlanned())].sort()).toEqual(['E01', 'E02', 'E05'])
  })

  it('answers a carer’s work up to a day: theirs, and their station’s with no carer named, not done', async () => {
    await repo.save(aVisit('mine', { carerId: 'C01', dueDay: '2026-11-29', status: 'missed' }))
    await repo.save(aVisit('station', { stationId: 'ST1', dueDay: '2026-11-30' }))
    await repo.save(aVisit('someone-elses', { stationId: 'ST1', carerId: 'C02' }))
    await repo.save(aVisit('on-site', { carerId: 'C01', status: 'on_site' }))
    await repo.save(aVisit('done', { carerId: 'C01', status: 'done' }))
    await repo.save(aVisit('later', { carerId: 'C01', dueDay: '2026-12-01' }))
    await repo.save(aVisit('a-call', { carerId: 'C01', kind: 'call', status: 'due' }))
    await repo.save(aVisit('nobody', {}))
    expect(ids(await repo.workOf('C01', 'ST1', '2026-11-30')).sort()).toEqual(['mine', 'on-site', 'station'])
    expect(ids(await repo.workOf('C01', undefined, '2026-11-30')).sort()).toEqual(['mine', 'on-site'])
    expect(ids(await repo.workOf('C01', undefined, '2026-12-01')).sort()).toEqual([
      'later',
      'mine',
      'on-site',
    ])
    expect(ids(await repo.workOf('C09', 'ST2', '2026-12-31'))).toEqual([])
  })

  it('keeps each elder’s plan, replaced whole', async () => {
    expect(await repo.plan('E01')).toBeUndefined()
    await repo.savePlan({ elderId: 'E01', carerId: 'C01', weekdays: [1, 3], updatedAt: 10 })
    await repo.savePlan({ elderId: 'E01', stationId: 'ST1', updatedAt: 20 })
    await repo.savePlan({ elderId: 'E02', updatedAt: 30 })
    expect(await repo.plan('E01')).toEqual({ elderId: 'E01', stationId: 'ST1', updatedAt: 20 })
    expect(await repo.plan('E02')).toEqual({ elderId: 'E02', updatedAt: 30 })
  })

  it('drops the visits and plans of elders no longer registered, and answers their photos no one else uses', async () => {
    const register = 'INSERT INTO elders (id, doc, grid, created_at, updated_at) VALUES (?, ?, ?, 1, 1)'
    await store.run(register, ['E01', '{}', ''])
    const shared = aPhoto(7, 10)
    await repo.save(aVisit('kept', { elderId: 'E01', photos: [shared] }))
    await repo.save(aVisit('gone-1', { elderId: 'E02', photos: [shared, aPhoto(8, 11)] }))
    await repo.save(aVisit('gone-2', { elderId: 'E03' }))
    await repo.savePlan({ elderId: 'E02', updatedAt: 1 })
    await repo.savePlan({ elderId: 'E01', updatedAt: 1 })
    expect(await repo.dropOrphans()).toEqual({ visits: 2, photos: [aPhoto(8, 0).id] })
    expect(ids((await repo.list({ limit: 10 })).items)).toEqual(['kept'])
    expect(await repo.plan('E02')).toBeUndefined()
    expect(await repo.plan('E01')).toBeDefined()
    expect(await repo.photoInUse(shared.id)).toBe(true)
    expect(await repo.dropOrphans()).toEqual({ visits: 0, photos: [] })
  })

  it('answers photos attached before a time, oldest first, at most as many as asked', async () => {
    await repo.save(aVisit('V1', { photos: [aPhoto(1, 300), aPhoto(2, 100)] }))
    await repo.save(aVisit('V2', { photos: [aPhoto(3, 200), aPhoto(4, 900)] }))
    expect(await repo.photosBefore(500, 10)).toEqual([
      { visitId: 'V1', photoId: aPhoto(2, 0).id },
      { visitId: 'V2', photoId: aPhoto(3, 0).id },
      { visitId: 'V1', photoId: aPhoto(1, 0).id },
    ])
    expect(await repo.photosBefore(500, 1)).toEqual([{ visitId: 'V1', photoId: aPhoto(2, 0).id }])
    expect(await repo.photosBefore(100, 10)).toEqual([])
  })
})
