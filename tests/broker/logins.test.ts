import mqtt, { type IClientOptions } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { LoginGuard } from '../../broker/logins.ts'
import { machineCost, scryptDerivations } from '../../gateway/registry/secrets.ts'
import { startWorld, type World } from '../support/world.ts'

// security: guessing MQTT secrets — failures limited per id and per address on the gateway's clock,
// without letting a guesser lock the owner out for long

const limits = { idFailures: 5, addressFailures: 20, windowMs: 60_000, lockMs: 10_000, lockMaxMs: 300_000 }

describe('the login guard', () => {
  it('locks an id after its failures, for a time that grows while the guessing goes on', () => {
    const guard = new LoginGuard(limits)
    for (let i = 0; i < 4; i++) expect(guard.failed('D01', '10.0.0.9', i)).toEqual([])
    expect(guard.failed('D01', '10.0.0.9', 4)).toEqual([{ by: 'id', key: 'D01', failures: 5, until: 10_004 }])
    expect(guard.check('D01', '10.0.0.9', 10_003)).toEqual({ ok: false, by: 'id', until: 10_004 })
    expect(guard.check('D01', '10.0.0.9', 10_004)).toEqual({ ok: true })
    for (let i = 0; i < 4; i++) guard.failed('D01', '10.0.0.9', 10_004)
    expect(guard.failed('D01', '10.0.0.9', 10_004)[0]?.until).toBe(30_004) // 20 s the second time
  })

  it('lets an address with no failures of its own try a locked id, once', () => {
    const guard = new LoginGuard(limits)
    for (let i = 0; i < 5; i++) guard.failed('D01', '10.0.0.9', 0)
    expect(guard.check('D01', '10.0.0.9', 1)).toMatchObject({ ok: false, by: 'id' })
    expect(guard.check('D01', '192.168.1.5', 1)).toEqual({ ok: true })
    guard.failed('D01', '192.168.1.5', 1)
    expect(guard.check('D01', '192.168.1.5', 2)).toMatchObject({ ok: false, by: 'id' })
  })

  it('locks an address that tries many ids, whatever id it tries next', () => {
    const guard = new LoginGuard(limits)
    for (let i = 0; i < 19; i++) expect(guard.failed(`X${i}`, '10.0.0.9', 0)).toEqual([])
    expect(guard.failed('X19', '10.0.0.9', 0)).toEqual([
      { by: 'address', key: '10.0.0.9', failures: 20, until: 10_000 },
    ])
    expect(guard.check('D01', '10.0.0.9', 1)).toEqual({ ok: false, by: 'address', until: 10_000 })
    expect(guard.check('D01', '10.0.0.10', 1)).toEqual({ ok: true })
  })

  it('forgets an id’s failures when its secret is given, and old failures after the window', () => {
    const guard = new LoginGuard(limits)
    for (let i = 0; i < 4; i++) guard.failed('D01', '10.0.0.9', 0)
    guard.succeeded('D01')
    expect(guard.failed('D01', '10.0.0.9', 1)).toEqual([])
    const later = new LoginGuard(limits)
    for (let i = 0; i < 4; i++) later.failed('D01', '10.0.0.9', 0)
    expect(later.failed('D01', '10.0.0.9', 60_001)).toEqual([])
  })
})

interface Outcome {
  code: number
}

function attempt(w: World, options: IClientOptions): Promise<Outcome> {
  const client = mqtt.connect(w.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000, ...options })
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.end(true)
      resolve({ code: 0 })
    })
    client.once('error', (error) => {
      client.end(true)
      resolve({ code: (error as { code?: number }).code ?? -1 })
    })
  })
}

const login = (w: World, id: string, secret: string) => attempt(w, { username: id, password: secret })

function audit(w: World, action: string): { actor: string | null; detail: Record<string, unknown> }[] {
  const rows = w.db().prepare('SELECT actor, detail FROM audit WHERE action = ? ORDER BY id').all(action) as {
    actor: string | null
    detail: string
  }[]
  return rows.map((r) => ({ actor: r.actor, detail: JSON.parse(r.detail) as Record<string, unknown> }))
}

describe('guessing a device’s secret over MQTT', () => {
  let world: World
  afterEach(async () => {
    await world.stop()
  })

  it('refuses the sixth wrong secret without checking it, lets the owner in after the lock, and audits per window', async () => {
    world = await startWorld()
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    const hashed = scryptDerivations(machineCost)
    for (let i = 0; i < 5; i++) expect((await login(world, 'D01', `guess-${i}`)).code).toBe(4)
    expect(scryptDerivations(machineCost) - hashed).toBe(5)

    // locked: CONNACK 3 (try later), and no secret is checked — not even the right one
    expect((await login(world, 'D01', 'guess-5')).code).toBe(3)
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(3)
    expect(scryptDerivations(machineCost) - hashed).toBe(5)
    expect(world.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'login_locked' })).toBe(2)
    expect(audit(world, 'mqtt.login_lock')).toMatchObject([
      { actor: 'D01', detail: { by: 'id', failures: 5 } },
    ])

    await world.scheduler.advance(10_000)
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(0)

    // one row at the first failure, one more with the rest of the window's count when it ends
    expect(audit(world, 'mqtt.bad_credentials').map((r) => r.detail.count)).toEqual([1])
    await world.scheduler.advance(60_000)
    expect(audit(world, 'mqtt.bad_credentials').map((r) => [r.actor, r.detail.count])).toEqual([
      ['D01', 1],
      ['D01', 4],
    ])
    expect(JSON.stringify(audit(world, 'mqtt.bad_credentials'))).not.toContain('guess')
  })

  it('keeps letting a device in whose secret has logged in before, while its id is being guessed', async () => {
    world = await startWorld()
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(0)
    for (let i = 0; i < 5; i++) await login(world, 'D01', `guess-${i}`)
    expect((await login(world, 'D01', 'guess-5')).code).toBe(3)
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(0)
  })

  it('locks an address that tries many ids, unknown ones too, and lets it in again after the lock', async () => {
    world = await startWorld({ env: { CARE_MQTT_LOGIN_ADDRESS_FAILURES: '8' } })
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    for (let i = 0; i < 8; i++) expect((await login(world, `NOBODY${i}`, 'guess')).code).toBe(4)
    const hashed = scryptDerivations(machineCost)
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(3)
    expect(scryptDerivations(machineCost)).toBe(hashed)
    expect(audit(world, 'mqtt.login_lock')).toMatchObject([
      { actor: null, detail: { by: 'address', key: '127.0.0.1' } },
    ])
    await world.scheduler.advance(10_000)
    expect((await login(world, 'D01', 'secret-D01')).code).toBe(0)
  })

  it('locks an unknown id exactly as a known one, so the lock tells nothing about who exists', async () => {
    world = await startWorld()
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    const codes = async (id: string) => {
      const out: number[] = []
      for (let i = 0; i < 6; i++) out.push((await login(world, id, `guess-${i}`)).code)
      await world.scheduler.advance(600_000)
      return out
    }
    expect(await codes('D01')).toEqual([4, 4, 4, 4, 4, 3])
    expect(await codes('GHOST')).toEqual([4, 4, 4, 4, 4, 3])
  })
})

describe('an unknown MQTT user name', () => {
  let world: World
  afterEach(async () => {
    await world.stop()
  })

  it('costs the same scrypt derivation as a known id with a wrong secret, so timing tells nothing', async () => {
    world = await startWorld()
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'watch', elderId: 'E01', secret: 'secret-D01' })
    await world.api('PUT', '/api/v1/carers/C01', { name: 'c', mode: 'walk', secret: 'secret-C01' })
    const cost = async (id: string) => {
      const before = scryptDerivations(machineCost)
      expect((await login(world, id, 'a-guess')).code).toBe(4)
      return scryptDerivations(machineCost) - before
    }
    expect(await cost('D01')).toBe(1)
    expect(await cost('C01')).toBe(1)
    expect(await cost('GHOST')).toBe(1)
    // and the registry alone, below the broker: the same one derivation
    const before = scryptDerivations(machineCost)
    expect(await world.app.surface.verifyPrincipal('NOBODY', 'x')).toBeNull()
    expect(scryptDerivations(machineCost) - before).toBe(1)
  })
})
