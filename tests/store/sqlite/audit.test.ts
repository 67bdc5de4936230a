import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteAudit } from '../../../gateway/store/sqlite/audit.ts'
import { aStore } from './a-store.ts'

let store: ReturnType<typeof aStore>
let audit: SqliteAudit
beforeEach(async () => {
  store = aStore()
  audit = new SqliteAudit(store)
  await audit.append({ at: 10, actor: 'boss', action: 'elder.put', target: 'E01', source: '10.0.0.1' })
  await audit.append({ at: 20, action: 'mqtt.bad_credentials', actor: 'D01', detail: { count: 1 } })
  await audit.append({ at: 30, action: 'mqttx', actor: 'D01' })
  await audit.append({ at: 40, action: 'mqtt.refused', detail: { reason: 'acl' } })
})
afterEach(() => store.remove())

describe('the audit adapter', () => {
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
    expect((await audit.list({ actor: 'D01' })).items.map((r) => r.at)).toEqual([30, 20])
    expect((await audit.list({ target: 'E01' })).items.map((r) => r.at)).toEqual([10])
    expect((await audit.list({ from: 20, to: 40 })).items.map((r) => r.at)).toEqual([30, 20])
    const first = await audit.list({ limit: 3 })
    expect(first.next).toBe('2')
    const rest = await audit.list({ limit: 3, before: Number(first.next) })
    expect(rest.items.map((r) => r.at)).toEqual([10])
    expect(rest.next).toBeUndefined()
  })
})
