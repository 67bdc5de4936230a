import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

interface AuditPage {
  items: { id: number; at: number; actor?: string; action: string; target?: string; source?: string }[]
  next?: string
}

describe('GET /audit', () => {
  it('records registry changes and dispatcher actions: who, what, when, from where', async () => {
    await world.elder('E01')
    const alarm = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
    await world.api('POST', `/api/v1/alarms/${alarm.body.id}/actions`, { action: 'note', note: '已联系' })
    const page = await world.api<AuditPage>('GET', '/api/v1/audit')
    const actions = page.body.items.map((e) => e.action)
    expect(actions).toEqual(['alarm.note', 'alarm.manual', 'elder.put'])
    for (const entry of page.body.items) {
      expect(entry).toMatchObject({ actor: 'admin', source: '127.0.0.1', at: world.clock.now() })
    }
    expect(page.body.items[2]?.target).toBe('E01')
  })

  it('filters by action prefix, actor, target and time, and pages with a cursor', async () => {
    for (let i = 1; i <= 5; i++) {
      await world.api('PUT', `/api/v1/elders/E0${i}`, { name: `老人${i}`, home: HOME })
      world.clock.set(world.clock.now() + 1_000)
    }
    const t3 = world.clock.now() - 3_000
    // the trail is written after the change answers (recording never holds the change up): on
    // PostgreSQL the last entry may be a round trip behind
    for (const until = Date.now() + 5_000; ; ) {
      const last = await world.api<AuditPage>('GET', '/api/v1/audit?target=E05')
      if (last.body.items.length > 0 || Date.now() > until) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const byTarget = await world.api<AuditPage>('GET', '/api/v1/audit?target=E03')
    expect(byTarget.body.items.map((e) => e.target)).toEqual(['E03'])
    const since = await world.api<AuditPage>('GET', `/api/v1/audit?from=${t3}`)
    expect(since.body.items.map((e) => e.target)).toEqual(['E05', 'E04', 'E03'])
    const first = await world.api<AuditPage>('GET', '/api/v1/audit?action=elder&limit=2')
    expect(first.body.items.map((e) => e.target)).toEqual(['E05', 'E04'])
    const second = await world.api<AuditPage>(
      'GET',
      `/api/v1/audit?action=elder&limit=2&cursor=${first.body.next}`,
    )
    expect(second.body.items.map((e) => e.target)).toEqual(['E03', 'E02'])
    const none = await world.api<AuditPage>('GET', '/api/v1/audit?actor=someone-else')
    expect(none.body.items).toEqual([])
  })

  it('refuses an unknown query field', async () => {
    const res = await world.api('GET', '/api/v1/audit?colour=red')
    expect(res.status).toBe(400)
    const alarms = await world.api('GET', '/api/v1/alarms?colour=red')
    expect(alarms.status).toBe(400)
  })
})
