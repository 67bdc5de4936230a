import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditRepository } from '../../../gateway/observe/ports.ts'
import { PgAudit } from '../../../gateway/store/postgres/audit.ts'
import { SqliteAudit } from '../../../gateway/store/sqlite/audit.ts'
import { storeKinds, type TestStore, testStores } from '../stores.ts'

const stores = testStores()

function auditOf(store: TestStore): AuditRepository {
  if (store.sqlite) return new SqliteAudit(store.sqlite)
  if (store.pg) return new PgAudit(store.pg)
  throw new Error(`no ${store.kind} store`)
}

describe.each(storeKinds)('the audit adapter (%s)', (kind) => {
  let store: TestStore
  let audit: AuditRepository
  beforeEach(async () => {
    store = await stores.open(kind)
    audit = auditOf(store)
    await audit.append({ at: 10, actor: 'boss', action: 'elder.put', target: 'E01', source: '10.0.0.1' })
    await audit.append({ at: 20, action: 'mqtt.bad_credentials', actor: 'D01', detail: { count: 1 } })
    await audit.append({ at: 30, action: 'mqttx', actor: 'D01' })
    await audit.append({ at: 40, action: 'mqtt.refused', detail: { reason: 'acl' } })
  })
  afterEach(() => store.close())

  it('answers entries newest first, as recorded', async () => {
    const page = await audit.list({})
    expect(page.items.map((r) => r.action)).toEqual([
      'mqtt.refused',
      'mqttx',
      'mqtt.bad_credentials',
      'elder.put',
    ])
    expect(page.items[3]).toEqual({
      id: 1,
      at: 10,
      actor: 'boss',
      action: 'elder.put',
      target: 'E01',
      source: '10.0.0.1',
    })
    expect(page.items[2]?.detail).toEqual({ count: 1 })
    expect(page.next).toBeUndefined()
  })

  it('filters by actor, target, time and an action or its prefix, and pages by id', async () => {
    expect((await audit.list({ action: 'mqtt' })).items.map((r) => r.at)).toEqual([40, 20])
    expect((await audit.list({ action: 'mqtt.refused' })).items.map((r) => r.at)).toEqual([40])
    expect((await audit.list({ actor: 'D01' })).items.map((r) => r.at)).toEqual([30, 20])
    expect((await audit.list({ target: 'E01' })).items.map((r) => r.at)).toEqual([10])
    expect((await audit.list({ from: 20, to: 40 })).items.map((r) => r.at)).toEqual([30, 20])
    expect((await audit.list({ actor: 'D01', action: 'mqtt' })).items.map((r) => r.at)).toEqual([20])
    const first = await audit.list({ limit: 3 })
    expect(first.next).toBe('2')
    const rest = await audit.list({ limit: 3, before: Number(first.next) })
    expect(rest.items.map((r) => r.at)).toEqual([10])
    expect(rest.next).toBeUndefined()
  })

  it('matches an action prefix as the embedded store always has: ASCII case aside, wildcards as typed', async () => {
    await audit.append({ at: 50, action: 'user.disable' })
    await audit.append({ at: 60, action: 'us\\er.x' })
    expect((await audit.list({ action: 'MQTT' })).items.map((r) => r.at)).toEqual([40, 20])
    // a whole action is matched as written
    expect((await audit.list({ action: 'MQTT.REFUSED' })).items.map((r) => r.at)).toEqual([])
    expect((await audit.list({ action: 'u_er' })).items.map((r) => r.at)).toEqual([50])
    // a backslash is a character, not an escape
    expect((await audit.list({ action: 'us\\er' })).items.map((r) => r.at)).toEqual([60])
  })
})
