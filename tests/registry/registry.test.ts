import { describe, expect, it } from 'vitest'
import type { RegistryChange } from '../../gateway/registry/changes.ts'
import { Registry, RegistryError } from '../../gateway/registry/registry.ts'
import type { ElderBody, UserBody } from '../../gateway/registry/schemas.ts'
import { machineCost, passwordCost, scryptDerivations } from '../../gateway/registry/secrets.ts'
import { Metrics } from '../../kernel/observe/metrics.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { MemoryRegistry } from '../support/memory/registry.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }

function anElder(over: Partial<ElderBody> = {}): ElderBody {
  return { name: '张秀英', home: HOME, risk: 'medium', grid: ['滨城区', '市中街道'], ...over }
}

const aDevice = (elderId: string, secret = 'device-secret-1') =>
  ({ kind: 'watch', elderId, secret, intervalS: 300 }) as const
const aCarer = (secret = 'carer-secret-1') => ({ name: '王师傅', mode: 'walk', secret }) as const

async function aRegistry(repo = new MemoryRegistry()) {
  const clock = new ManualClock(1_000)
  const metrics = new Metrics()
  const registry = new Registry({ repository: repo, privacy: repo, clock, metrics })
  await registry.load()
  const changes: RegistryChange[] = []
  registry.subscribe('test', (change) => changes.push(change))
  return { registry, repo, clock, metrics, changes }
}

describe('the registry in memory', () => {
  it('holds what the repository had at start, for synchronous reads, devices without their live state', async () => {
    const repo = new MemoryRegistry()
    await repo.saveElder('E01', anElder(), 10)
    await repo.saveDevice('D01', { kind: 'watch', elderId: 'E01', intervalS: 300 }, 'hash', 10)
    const stored = repo.devices.get('D01')
    if (stored) stored.device = { ...stored.device, online: true, battery: 40, lastSeenAt: 20 }
    await repo.saveCarer('C01', { name: '王师傅', mode: 'walk' }, 'hash', 10)
    const { registry } = await aRegistry(repo)
    expect(registry.getElder('E01')?.name).toBe('张秀英')
    expect(registry.getDevice('D01')).toEqual({
      id: 'D01',
      kind: 'watch',
      elderId: 'E01',
      intervalS: 300,
      createdAt: 10,
      updatedAt: 10,
    })
    // the live state is read through the repository, where telemetry keeps it
    expect(await registry.findDevice('D01')).toMatchObject({ online: true, battery: 40 })
    expect(registry.getCarer('C01')?.name).toBe('王师傅')
    expect(registry.allCarers().map((c) => c.id)).toEqual(['C01'])
    expect(registry.getElder('nobody')).toBeUndefined()
  })

  it('writes an elder through and tells its listeners the stored record, created or replaced', async () => {
    const { registry, repo, clock, changes } = await aRegistry()
    expect((await registry.putElder('E01', anElder())).created).toBe(true)
    clock.set(2_000)
    const again = await registry.putElder('E01', anElder({ name: '李桂兰' }))
    expect(again.created).toBe(false)
    expect(again.elder).toMatchObject({ name: '李桂兰', createdAt: 1_000, updatedAt: 2_000 })
    expect(repo.elders.get('E01')?.name).toBe('李桂兰')
    expect(registry.getElder('E01')?.name).toBe('李桂兰')
    expect(changes.map((c) => [c.kind, c.id, c.kind === 'elder' ? c.elder?.name : '-'])).toEqual([
      ['elder', 'E01', '张秀英'],
      ['elder', 'E01', '李桂兰'],
    ])
  })

  it('refuses a device of an unknown elder or with a carer’s id before paying for its hash', async () => {
    const { registry, repo, changes } = await aRegistry()
    await registry.putElder('E01', anElder())
    await registry.putCarer('C01', aCarer())
    const before = scryptDerivations(machineCost)
    await expect(registry.putDevice('D01', aDevice('E99'))).rejects.toMatchObject({ code: 'UNKNOWN_ELDER' })
    await expect(registry.putDevice('C01', aDevice('E01'))).rejects.toMatchObject({ code: 'ID_TAKEN' })
    expect(scryptDerivations(machineCost)).toBe(before)
    expect(repo.devices.size).toBe(0)
    const { created, device } = await registry.putDevice('D01', aDevice('E01'))
    expect(created).toBe(true)
    expect(device).not.toHaveProperty('secret')
    expect(registry.getDevice('D01')?.elderId).toBe('E01')
    expect(changes.filter((c) => c.kind === 'device').map((c) => c.id)).toEqual(['D01'])
  })

  it('keeps a carer’s hash for the same secret, and says when the secret changed', async () => {
    const { registry, repo, changes } = await aRegistry()
    expect((await registry.putCarer('C01', aCarer('first-secret'))).secretChanged).toBe(false)
    const hash = repo.carers.get('C01')?.secretHash
    const renamed = await registry.putCarer('C01', { ...aCarer('first-secret'), name: '王建国' })
    expect(renamed).toMatchObject({ created: false, secretChanged: false })
    expect(repo.carers.get('C01')?.secretHash).toBe(hash)
    expect((await registry.putCarer('C01', aCarer('second-secret'))).secretChanged).toBe(true)
    expect(registry.getCarer('C01')?.name).toBe('王师傅')
    expect(changes.filter((c) => c.kind === 'carer')).toHaveLength(3)
    await registry.putElder('E01', anElder())
    await registry.putDevice('D01', aDevice('E01'))
    await expect(registry.putCarer('D01', aCarer())).rejects.toMatchObject({ code: 'ID_TAKEN' })
  })

  it('imports a batch: refused rows are reported and change nothing, stored ones reach memory and listeners', async () => {
    const { registry, changes } = await aRegistry()
    await registry.putService('S01', { secret: 'service-secret' })
    const outcomes = await registry.importMany([
      { type: 'elder', id: 'E01', body: anElder() },
      { type: 'device', id: 'D01', body: { kind: 'watch', elderId: 'E01', intervalS: 300 }, secretHash: 'h' },
      { type: 'device', id: 'D02', body: { kind: 'watch', elderId: 'E99', intervalS: 300 }, secretHash: 'h' },
      { type: 'carer', id: 'S01', body: { name: '王师傅', mode: 'walk' }, secretHash: 'h' },
      { type: 'carer', id: 'C01', body: { name: '王师傅', mode: 'walk' }, secretHash: 'h' },
    ])
    expect(outcomes.map((o) => ('error' in o ? `${o.error.code}: ${o.error.message}` : o.created))).toEqual([
      true,
      true,
      'UNKNOWN_ELDER: no elder E99',
      "ID_TAKEN: S01 is already a device's or a service's id",
      true,
    ])
    expect(outcomes[2]).toMatchObject({ error: expect.any(RegistryError) })
    expect(registry.getDevice('D02')).toBeUndefined()
    expect(registry.getCarer('C01')).toBeDefined()
    expect(changes.map((c) => `${c.kind}:${c.id}`)).toEqual(['elder:E01', 'device:D01', 'carer:C01'])
  })

  it('erases an elder: their devices and then they leave memory, and listeners hear what the erasure did', async () => {
    const { registry, changes } = await aRegistry()
    await registry.putElder('E01', anElder())
    await registry.putElder('E02', anElder())
    await registry.putDevice('D01', aDevice('E01'))
    await registry.putDevice('D02', aDevice('E02'))
    changes.length = 0
    const report = await registry.eraseElder('E01')
    expect(report?.devices).toEqual(['D01'])
    expect(registry.getElder('E01')).toBeUndefined()
    expect(registry.getDevice('D01')).toBeUndefined()
    expect(registry.getDevice('D02')).toBeDefined()
    expect(changes).toEqual([
      { kind: 'device', id: 'D01', device: undefined },
      { kind: 'elder', id: 'E01', elder: undefined, erasure: report },
    ])
    expect(await registry.eraseElder('E01')).toBeUndefined()
    expect(changes).toHaveLength(2)
  })

  it('tells every listener even when one throws, and counts the one that did', async () => {
    const { registry, metrics, changes } = await aRegistry()
    registry.subscribe('broken', () => {
      throw new Error('listener bug')
    })
    const late: string[] = []
    registry.subscribe('late', (c) => late.push(c.id))
    await registry.putElder('E01', anElder())
    expect(changes.map((c) => c.id)).toEqual(['E01'])
    expect(late).toEqual(['E01'])
    expect(metrics.get('care_listener_errors_total', { listener: 'registry.broken' })).toBe(1)
  })
})

describe('credentials', () => {
  it('verifies an MQTT secret once, then from the cache, until the secret changes', async () => {
    const { registry } = await aRegistry()
    await registry.putElder('E01', anElder())
    await registry.putDevice('D01', aDevice('E01', 'device-secret-1'))
    expect(await registry.verifyPrincipal('D01', 'device-secret-1')).toEqual({ kind: 'device', id: 'D01' })
    const cached = scryptDerivations(machineCost)
    expect(await registry.verifyPrincipal('D01', 'device-secret-1')).toEqual({ kind: 'device', id: 'D01' })
    expect(scryptDerivations(machineCost)).toBe(cached)
    expect(await registry.verifyPrincipal('D01', 'wrong-secret')).toBeNull()
    await registry.putDevice('D01', aDevice('E01', 'device-secret-2'))
    expect(await registry.verifyPrincipal('D01', 'device-secret-1')).toBeNull()
    expect(await registry.verifyPrincipal('D01', 'device-secret-2')).toEqual({ kind: 'device', id: 'D01' })
  })

  it('pays one derivation for an unknown id or user name, as for a known one', async () => {
    const { registry } = await aRegistry()
    const machine = scryptDerivations(machineCost)
    expect(await registry.verifyPrincipal('NOBODY', 'whatever-secret')).toBeNull()
    expect(scryptDerivations(machineCost)).toBe(machine + 1)
    const people = scryptDerivations(passwordCost)
    expect(await registry.verifyUser('nobody', 'whatever-password')).toBeUndefined()
    expect(scryptDerivations(passwordCost)).toBe(people + 1)
  })

  it('says when a user’s password, role, grid or carer changed, and not for a new name alone', async () => {
    const { registry } = await aRegistry()
    await expect(
      registry.putUser('wang', { role: 'carer', password: 'password-1', carerId: 'C99' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_CARER' })
    const body: UserBody = { role: 'supervisor', password: 'password-1', grid: ['滨城区'] }
    expect(await registry.putUser('li', body)).toMatchObject({ created: true, credentialsChanged: false })
    expect((await registry.putUser('li', { ...body, name: '李主任' })).credentialsChanged).toBe(false)
    expect((await registry.putUser('li', { ...body, grid: ['沾化区'] })).credentialsChanged).toBe(true)
    const moved = { ...body, grid: ['沾化区'] }
    expect((await registry.putUser('li', moved)).credentialsChanged).toBe(false)
    expect((await registry.putUser('li', { ...moved, role: 'dispatcher' })).credentialsChanged).toBe(true)
    const demoted: UserBody = { ...moved, role: 'dispatcher' }
    expect((await registry.putUser('li', { ...demoted, password: 'password-2' })).credentialsChanged).toBe(
      true,
    )
    expect(await registry.verifyUser('li', 'password-1')).toBeUndefined()
    expect((await registry.verifyUser('li', 'password-2'))?.username).toBe('li')
  })
})
