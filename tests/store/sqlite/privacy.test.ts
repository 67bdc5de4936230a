import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqlitePrivacy } from '../../../gateway/store/sqlite/privacy.ts'
import { SqliteRegistry } from '../../../gateway/store/sqlite/registry.ts'
import { aStore } from './a-store.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }
const classes = ['position', 'vitals', 'status']

let store: ReturnType<typeof aStore>
beforeEach(async () => {
  store = aStore()
  const registry = new SqliteRegistry(store)
  for (const e of ['E01', 'E02']) {
    await registry.saveElder(e, { name: `老人${e}`, home: HOME, risk: 'medium', notes: '独居' }, 100)
    await registry.saveDevice(`D-${e}`, { kind: 'watch', elderId: e, intervalS: 300 }, 'scrypt$x', 100)
    const d = `D-${e}`
    const run = (sql: string, ...args: (string | number)[]) => store.db.prepare(sql).run(...args)
    run(
      'INSERT INTO positions (device_id, ts, lat, lon, received_at) VALUES (?, 1, 37.38, 117.97, 1), (?, 2, 37.38, 117.97, 2)',
      d,
      d,
    )
    run(`INSERT INTO vitals (device_id, ts, doc, received_at) VALUES (?, 1, '{"hr":72}', 1)`, d)
    run("INSERT INTO device_messages (device_id, msg_id, topic, at) VALUES (?, 'm1', 'sos', 1)", d)
    run('INSERT INTO fence_state (elder_id, outside, strikes, updated_at) VALUES (?, 0, 0, 1)', e)
    run(
      `INSERT INTO alarms (id, kind, priority, state, elder_id, device_id, raised_at, lat, lon, updated_at)
       VALUES (?, 'sos', 1, 'resolved', ?, ?, 1, 37.38, 117.97, 2)`,
      `A-${e}`,
      e,
      d,
    )
    run(
      `INSERT INTO alarm_timeline (alarm_id, seq, type, at, actor, note) VALUES (?, 1, 'raised', 1, ?, NULL),
       (?, 2, 'note', 2, 'boss', '女儿电话13900000002')`,
      `A-${e}`,
      d,
      `A-${e}`,
    )
    for (const [cls, table] of [
      ['position', 'history_outbox'],
      ['alarm', 'history_outbox'],
      ['vitals', 'history_rejected'],
    ] as const) {
      const line = `${cls === 'alarm' ? 'alarm_event' : cls},elder=${e},grid=x value=1 1`
      if (table === 'history_outbox')
        run('INSERT INTO history_outbox (cls, line, at) VALUES (?, ?, 1)', cls, line)
      else
        run(
          "INSERT INTO history_rejected (cls, line, at, rejected_at, reason) VALUES (?, ?, 1, 2, 'bad')",
          cls,
          line,
        )
    }
  }
})
afterEach(() => store.remove())

const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n

describe('the privacy adapter', () => {
  it('exports an elder’s rows across the store, without the secrets’ hashes', async () => {
    const data = await new SqlitePrivacy(store).exportElder('E01')
    expect(data?.elder).toMatchObject({ id: 'E01', doc: { name: '老人E01', notes: '独居' } })
    expect(data?.devices.map((d) => d.id)).toEqual(['D-E01'])
    expect(data?.alarms.map((a) => [a.id, a.timeline.length])).toEqual([['A-E01', 2]])
    expect(data?.positions).toHaveLength(2)
    expect(data?.vitals).toHaveLength(1)
    expect(JSON.stringify(data)).not.toMatch(/secret_hash|scrypt/)
    expect(await new SqlitePrivacy(store).exportElder('E99')).toBeUndefined()
  })

  it('erases an elder in one go: rows, readings, messages, fence, waiting history; alarms kept unnamed', async () => {
    const privacy = new SqlitePrivacy(store, { history: { classes } })
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
    expect(count("SELECT count(*) AS n FROM elders WHERE id = 'E01'")).toBe(0)
    expect(count("SELECT count(*) AS n FROM devices WHERE id = 'D-E01'")).toBe(0)
    for (const table of ['positions', 'vitals', 'device_messages'])
      expect(count(`SELECT count(*) AS n FROM ${table} WHERE device_id = 'D-E01'`), table).toBe(0)
    expect(count("SELECT count(*) AS n FROM fence_state WHERE elder_id = 'E01'")).toBe(0)
    expect(store.db.prepare("SELECT elder_id, device_id FROM alarms WHERE id = 'A-E01'").get()).toEqual({
      elder_id: 'erased-x1',
      device_id: null,
    })
    expect(
      store.db.prepare("SELECT actor, note FROM alarm_timeline WHERE alarm_id = 'A-E01' ORDER BY seq").all(),
    ).toEqual([
      { actor: 'erased-x1', note: null },
      { actor: 'boss', note: null },
    ])
    // the alarm's own history point stays for the bureau's figures; where they were goes
    expect(count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E01,%'")).toBe(1)
    expect(count("SELECT count(*) AS n FROM history_rejected WHERE line LIKE '%elder=E01,%'")).toBe(0)
    expect(store.db.prepare('SELECT elder_id, requested_at, status FROM history_erasures').all()).toEqual([
      { elder_id: 'E01', requested_at: 500, status: 'pending' },
    ])
    // the other elder is untouched
    expect(count("SELECT count(*) AS n FROM positions WHERE device_id = 'D-E02'")).toBe(2)
    expect(count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E02,%'")).toBe(2)
    expect(count('SELECT count(*) AS n FROM alarm_timeline WHERE note IS NOT NULL')).toBe(1)
  })

  it('leaves history alone without a TSDB, and erases nothing of an elder it does not hold', async () => {
    const privacy = new SqlitePrivacy(store)
    expect((await privacy.eraseElder('E01', 'erased-x2', 500))?.history).toEqual({ waiting: 0, rejected: 0 })
    expect(count('SELECT count(*) AS n FROM history_erasures')).toBe(0)
    expect(count('SELECT count(*) AS n FROM history_outbox')).toBe(4)
    expect(await privacy.eraseElder('E01', 'erased-x3', 600)).toBeUndefined()
  })

  it('erases all of it or none: a failure on the way leaves every row in place', async () => {
    store.db.exec('DROP TABLE history_erasures') // the last step fails
    const privacy = new SqlitePrivacy(store, { history: { classes } })
    await expect(privacy.eraseElder('E01', 'erased-x4', 500)).rejects.toThrow(/history_erasures/)
    expect(count("SELECT count(*) AS n FROM elders WHERE id = 'E01'")).toBe(1)
    expect(count("SELECT count(*) AS n FROM positions WHERE device_id = 'D-E01'")).toBe(2)
    expect(count("SELECT count(*) AS n FROM alarms WHERE elder_id = 'E01'")).toBe(1)
    expect(count("SELECT count(*) AS n FROM history_outbox WHERE line LIKE '%elder=E01,%'")).toBe(2)
  })
})
