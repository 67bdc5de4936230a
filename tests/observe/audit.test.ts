import { describe, expect, it } from 'vitest'
import { Audit } from '../../gateway/observe/audit.ts'
import type { AuditRecord, AuditRepository } from '../../gateway/observe/ports.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'

/** An audit store that keeps entries in memory, or fails the way it is told to. */
function aRepo(fail?: 'reject' | 'throw'): AuditRepository & { kept: AuditRecord[] } {
  const kept: AuditRecord[] = []
  return {
    kept,
    append(record) {
      if (fail === 'throw') throw new Error('disk full')
      if (fail === 'reject') return Promise.reject(new Error('disk full'))
      kept.push(record)
      return Promise.resolve()
    },
    list: async () => ({ items: [] }),
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('the audit trail', () => {
  it('keeps each entry with the time it was recorded, and counts it by action', async () => {
    const repo = aRepo()
    const metrics = new Metrics()
    const audit = new Audit(repo, new ManualClock(5_000), createLogger('silent'), metrics)
    audit.record({ actor: 'boss', action: 'elder.put', target: 'E01' })
    await settle()
    expect(repo.kept).toEqual([{ actor: 'boss', action: 'elder.put', target: 'E01', at: 5_000 }])
    expect(metrics.get('care_audit_total', { action: 'elder.put' })).toBe(1)
    expect(metrics.total('care_audit_errors_total')).toBe(0)
  })

  it('never throws at the caller when the store fails; the failure is counted', async () => {
    for (const fail of ['reject', 'throw'] as const) {
      const metrics = new Metrics()
      const audit = new Audit(aRepo(fail), new ManualClock(0), createLogger('silent'), metrics)
      expect(() => audit.record({ action: 'auth.login', actor: 'li' })).not.toThrow()
      await settle()
      expect(metrics.total('care_audit_errors_total'), fail).toBe(1)
      expect(metrics.get('care_audit_total', { action: 'auth.login' })).toBe(1)
    }
  })

  it('answers a list only once the entries recorded before it are stored', async () => {
    // a store whose appends take a round trip (PostgreSQL's): each waits until it is let through
    const kept: AuditRecord[] = []
    const gates: (() => void)[] = []
    const repo: AuditRepository = {
      append: (record) =>
        new Promise<void>((resolve) => {
          gates.push(() => {
            kept.push(record)
            resolve()
          })
        }),
      list: async () => ({
        items: kept.map((r, i) => ({
          id: i + 1,
          at: r.at,
          action: r.action,
          ...(r.actor ? { actor: r.actor } : {}),
        })),
      }),
    }
    const audit = new Audit(repo, new ManualClock(0), createLogger('silent'), new Metrics())
    audit.record({ action: 'mqtt.publish_denied', actor: 'D01' })
    audit.record({ action: 'mqtt.publish_denied', actor: 'D02' })
    let answered: { actor?: string | undefined }[] | undefined
    const listed = audit.list().then((page) => {
      answered = page.items
    })
    await settle()
    expect(answered).toBeUndefined()
    // appends run one after another: the second starts only when the first is stored
    while (kept.length < 2) {
      gates.shift()?.()
      await settle()
    }
    await listed
    expect(answered?.map((r) => r.actor)).toEqual(['D01', 'D02'])
  })
})
