import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PrivacyRepository } from '../../../gateway/registry/ports.ts'
import { PgPrivacy } from '../../../gateway/store/postgres/privacy.ts'
import { PgRegistry } from '../../../gateway/store/postgres/registry.ts'
import { PgVisits } from '../../../gateway/store/postgres/visits.ts'
import { SqlitePrivacy } from '../../../gateway/store/sqlite/privacy.ts'
import { SqliteRegistry } from '../../../gateway/store/sqlite/registry.ts'
import { SqliteVisits } from '../../../gateway/store/sqlite/visits.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'
import { aPhoto, aVisit } from './a-visit.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }
const classes = ['position', 'vitals', 'status']

const stores = testStores()

function adapters(store: TestStore, history?: { classes: string[] }) {
  const options = history ? { history } : {}
  if (store.sqlite) {
    return {
      privacy: new SqlitePrivacy(store.sqlite, options) as PrivacyRepository,
      registry: new SqliteRegistry(store.sqlite),
      visits: new SqliteVisits(store.sqlite),
    }
  }
  if (store.pg) {
    return {
      privacy: new PgPrivacy(store.pg, options) as PrivacyRepository,
      registry: new PgRegistry(store.pg),
      visits: new PgVisits(store.pg),
    }
  }
  throw new Error(`no ${store.kind} store`)
}

/** Two elders, each with a watch, readings, a closed alarm with a note, and history points. */
async function seed(store: TestStore, elders: readonly string[]): Promise<void> {
  const { registry } = adapters(store)
  for (const e of elders) {
    await registry.saveElder(e, { name: `老人${e}`, home: HOME, risk: 'medium', notes: '独居' }, 100)
    await registry.saveDevice(`D-${e}`, { kind: 'watch', elderId: e, intervalS: 300 }, 'scrypt$x', 100)
    const d = `D-${e}`
    await store.run(
      'INSERT INTO positions (device_id, ts, lat, lon, received_at) VALUES (?, 2, 37.38, 117.97, 2), (?, 1, 37.38, 117.97, 1)',
      [d, d],
    )
    await store.run(`INSERT INTO vitals (device_id, ts, doc, received_at) VALUES (?, 1, '{"hr":72}', 1)`, [d])
    await store.run(
      `INSERT INTO radio_scans (device_id, ts, doc, received_at) VALUES (?, 1, '{"cells":[]}', 1)`,
      [d],
    )
    await store.run("INSERT INTO device_messages (device_id, msg_id, topic, at) VALUES (?, 'm1', 'sos', 1)", [
      d,
    ])
    await store.run('INSERT INTO fence_state (elder_id, outside, strikes, updated_at) VALUES (?, 0, 0, 1)', [
      e,
    ])
    await store.run(
      `INSERT INTO alarms (id, kind, priority, state, elder_id, device_id, raised_at, lat, lon, updated_at)
       VALUES (?, 'sos', 1, 'resolved', ?, ?, 1, 37.38, 117.97, 2)`,
      [`A-${e}`, e, d],
    )
    await store.run(
      `INSERT INTO alarm_timeline (alarm_id, seq, type, at, actor, note) VALUES (?, 2, 'note', 2, 'boss', '女儿电话13900000002'),
       (?, 1, 'raised', 1, ?, NULL)`,
      [`A-${e}`, `A-${e}`, d],
    )
    for (const [cls, table] of [
      ['position', 'history_outbox'],
      ['alarm', 'history_outbox'],
      ['vitals', 'history_rejected'],
    ] as const) {
      const line = `${cls === 'alarm' ? 'alarm_event' : cls},elder=${e},grid=x value=1 1`
      if (table === 'history_outbox')
        await store.run('INSERT INTO history_outbox (cls, line, at) VALUES (?, ?, 1)', [cls, line])
      else
        await store.run(
          "INSERT INTO history_rejected (cls, line, at, rejected_at, reason) VALUES (?, ?, 1, 2, 'bad')",
          [cls, line],
        )
    }
  }
}

describe.each(storeKinds)('the privacy adapter (%s)', (kind) => {
  let store: TestStore
  beforeEach(async () => {
    store = await stores.open(kind)
    await seed(store, ['E01', 'E02'])
  })
  afterEach(() => store.close())

  const count = async (sql: string) => Number((await store.rows<{ n: number }>(sql))[0]?.n)

  it('exports an elder’s rows across the store, without the secrets’ hashes', async () => {
    const { privacy, visits } = adapters(store)
    await visits.save(aVisit('V1', { elderId: 'E01', dueDay: '2026-12-02' }))
    await visits.save(aVisit('V0', { elderId: 'E01', dueDay: '2026-11-30', status: 'done' }))
    await visits.savePlan({ elderId: 'E01', weekdays: [1, 4], updatedAt: 5 })
    const data = await privacy.exportElder('E01')
    expect(data?.elder).toMatchObject({ id: 'E01', doc: { name: '老人E01', notes: '独居' }, created_at: 100 })
    expect(data?.devices).toEqual([
      expect.objectContaining({ id: 'D-E01', elder_id: 'E01', interval_s: 300 }),
    ])
    expect(data?.alarms.map((a) => [a.id, a.elder_id, a.timeline.map((t) => t.seq)])).toEqual([
      ['A-E01', 'E01', [1, 2]],
    ])
    expect(data?.positions.map((p) => p.ts)).toEqual([1, 2])
    expect(data?.vitals).toEqual([{ device_id: 'D-E01', ts: 1, doc: '{"hr":72}', received_at: 1 }])
    expect(data?.scans.map((s) => s.doc)).toEqual(['{"cells":[]}'])
    expect(data?.visits.map((v) => v.id)).toEqual(['V0', 'V1'])
    expect(data?.visitPlan).toEqual({ elderId: 'E01', weekdays: [1, 4], updatedAt: 5 })
    expect(JSON.stringify(data)).not.toMatch(/secret_hash|scrypt/)
    expect(await privacy.exportElder('E99')).toBeUndefined()
    expect((await privacy.exportElder('E02'))?.visitPlan).toBeNull()
  })

  it('erases an elder in one go: rows, readings, messages, fence, waiting history; alarms kept unnamed', async () => {
    const { privacy } = adapters(store, { classes })
    const report = await privacy.eraseElder('E01', 'erased-x1', 500)
    expect(report).toEqual({
      devices: ['D-E01'],
      positions: 2,
      vitals: 1,
      alarmsKept: 1,
      history: { waiting: 1, rejected: 1 },
      visits: 0,
      photos: [],
    })
    expect(await count("SELECT count(*) AS n FROM elders WHERE id = 'E01'")).toBe(0)
    expect(await count("SELECT count(*) AS n FROM devices WHERE id = 'D-E01'")).toBe(0)
    for (const table of ['positions', 'vitals', 'radio_scans', 'device_messages'])
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE device_id = 'D-E01'`), table).toBe(0)
    expect(await count("SELECT count(*) AS n FROM fence_state WHERE elder_id = 'E01'")).toBe(0)
    expect(await store.rows("SELECT elder_id, device_id FROM alarms WHERE id = 'A-E01'")).toEqual([
      { elder_id: 'erased-x1', device_id: null },
    ])
    expect(
      await store.rows("SELECT actor, note FROM alarm_timeline WHERE alarm_id = 'A-E01' ORDER BY seq"),
    ).toEqual([
      { actor: 'erased-x1', note: null },
      { actor: 'boss', note: null },
    ])
    // the alarm's own history point stays for the bureau's figures; where they were goes
    expect(await count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E01,%'")).toBe(1)
    expect(await count("SELECT count(*) AS n FROM history_rejected WHERE line LIKE '%elder=E01,%'")).toBe(0)
    expect(await store.rows('SELECT elder_id, requested_at, status FROM history_erasures')).toEqual([
      { elder_id: 'E01', requested_at: 500, status: 'pending' },
    ])
    // the other elder is untouched
    expect(await count("SELECT count(*) AS n FROM positions WHERE device_id = 'D-E02'")).toBe(2)
    expect(await count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E02,%'")).toBe(2)
    expect(await count('SELECT count(*) AS n FROM alarm_timeline WHERE note IS NOT NULL')).toBe(1)
    // a second erasure finds nobody, and records nothing again
    expect(await privacy.eraseElder('E01', 'erased-x1', 600)).toBeUndefined()
    expect(await store.rows('SELECT requested_at FROM history_erasures')).toEqual([{ requested_at: 500 }])
  })

  it('erases the history points of that elder only: an id differing in case is another elder', async () => {
    await seed(store, ['e01'])
    const { privacy } = adapters(store, { classes })
    expect((await privacy.eraseElder('E01', 'erased-x5', 500))?.history).toEqual({ waiting: 1, rejected: 1 })
    const lines = await store.rows<{ line: string }>('SELECT line FROM history_outbox')
    expect(lines.map((r) => r.line).sort()).toEqual([
      'alarm_event,elder=E01,grid=x value=1 1',
      'alarm_event,elder=E02,grid=x value=1 1',
      'alarm_event,elder=e01,grid=x value=1 1',
      'position,elder=E02,grid=x value=1 1',
      'position,elder=e01,grid=x value=1 1',
    ])
    expect(await count("SELECT count(*) AS n FROM history_rejected WHERE cls = 'vitals'")).toBe(2)
  })

  it('erases the elder’s visits, plan and the photos no other visit refers to', async () => {
    const { privacy, visits } = adapters(store)
    const shared = aPhoto(1, 10) // the same picture on a visit of each elder
    await visits.save(aVisit('V1', { elderId: 'E01', photos: [shared, aPhoto(2, 11)] }))
    await visits.save(aVisit('V2', { elderId: 'E01', status: 'done', photos: [aPhoto(3, 12)] }))
    await visits.save(aVisit('V3', { elderId: 'E02', photos: [shared] }))
    await visits.savePlan({ elderId: 'E01', updatedAt: 5 })
    const report = await privacy.eraseElder('E01', 'erased-x6', 500)
    expect(report?.visits).toBe(2)
    expect(report?.photos.sort()).toEqual([aPhoto(2, 0).id, aPhoto(3, 0).id])
    expect(await visits.plan('E01')).toBeUndefined()
    expect(await visits.get('V1')).toBeUndefined()
    expect(await visits.photoInUse(shared.id)).toBe(true)
    expect((await visits.get('V3'))?.photos).toEqual([shared])
  })

  it('leaves history alone without a TSDB, and erases nothing of an elder it does not hold', async () => {
    const { privacy } = adapters(store)
    expect((await privacy.eraseElder('E01', 'erased-x2', 500))?.history).toEqual({ waiting: 0, rejected: 0 })
    expect(await count('SELECT count(*) AS n FROM history_erasures')).toBe(0)
    expect(await count('SELECT count(*) AS n FROM history_outbox')).toBe(4)
    expect(await privacy.eraseElder('E01', 'erased-x3', 600)).toBeUndefined()
  })

  it('erases all of it or none: a failure on the way leaves every row in place', async () => {
    await store.run('DROP TABLE history_erasures') // the last step fails
    const { privacy } = adapters(store, { classes })
    await expect(privacy.eraseElder('E01', 'erased-x4', 500)).rejects.toThrow(/history_erasures/)
    expect(await count("SELECT count(*) AS n FROM elders WHERE id = 'E01'")).toBe(1)
    expect(await count("SELECT count(*) AS n FROM positions WHERE device_id = 'D-E01'")).toBe(2)
    expect(await count("SELECT count(*) AS n FROM alarms WHERE elder_id = 'E01'")).toBe(1)
    expect(await count('SELECT count(*) AS n FROM alarm_timeline WHERE note IS NOT NULL')).toBe(2)
    expect(await count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E01,%'")).toBe(2)
  })
})
