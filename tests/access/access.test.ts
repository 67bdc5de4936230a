import { describe, expect, it } from 'vitest'
import { Access, CARER_SESSION_MS, SESSION_MS } from '../../gateway/access/access.ts'
import { bootstrapToken } from '../../gateway/access/bootstrap.ts'
import type { BootstrapRepository } from '../../gateway/access/ports.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { sha256 } from '../../gateway/registry/secrets.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { MemoryBootstrap, MemorySessions } from '../support/memory/access.ts'
import { MemoryRegistry } from '../support/memory/registry.ts'

const ADMIN = 'bootstrap-admin-token-0001'
const HOME = { lat: 37.3835, lon: 117.9707 }

/** Access over in-memory sessions and a registry holding a supervisor, a carer with a login, and a device. */
async function aWorld(options: { adminToken?: string; bootstrap?: MemoryBootstrap } = {}) {
  const clock = new ManualClock(1_000_000)
  const repo = new MemoryRegistry()
  const registry = new Registry({ repository: repo, privacy: repo, clock })
  await registry.load()
  await registry.putElder('E01', { name: '张秀英', home: HOME, risk: 'medium' })
  await registry.putDevice('D01', { kind: 'watch', elderId: 'E01', secret: 'device-secret', intervalS: 300 })
  await registry.putCarer('C01', { name: '王师傅', mode: 'walk', secret: 'carer-secret-1' })
  await registry.putCarer('C02', { name: '李师傅', mode: 'walk', secret: 'carer-secret-2' })
  await registry.putUser('li', { role: 'supervisor', password: 'password-li', grid: ['滨城区'] })
  const sessions = new MemorySessions()
  const bootstrap = options.bootstrap ?? new MemoryBootstrap()
  const ended: string[][] = []
  const access = new Access({
    sessions,
    bootstrap,
    directory: registry,
    clock,
    sessionsEnded: (hashes) => ended.push([...hashes]),
  })
  const started = await access.start(options.adminToken ?? ADMIN)
  return { access, registry, sessions, bootstrap, clock, ended, started }
}

describe('the bootstrap admin token', () => {
  it('is the configured one, or one made and printed once at the first start', async () => {
    const configured = await aWorld()
    expect(configured.started.printOnce).toBeUndefined()
    expect(await configured.access.resolve(ADMIN)).toEqual({ username: 'admin', role: 'admin' })

    const bootstrap = new MemoryBootstrap()
    const first = new Access({ ...deps(), bootstrap })
    const { printOnce } = await first.start(undefined)
    expect(printOnce).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(bootstrap.kept.tokenHash).toBe(sha256(printOnce as string)) // only its hash is kept
    const second = new Access({ ...deps(), bootstrap })
    expect(await second.start(undefined)).toEqual({})
    expect((await second.resolve(printOnce as string))?.role).toBe('admin')
  })

  it('made by another start first is the one that stands, and is not printed here', async () => {
    const bootstrap = new MemoryBootstrap()
    const other = await bootstrapToken(bootstrap, undefined)
    // this start read the state just before the other kept its token
    let reads = 0
    const racing: BootstrapRepository = {
      state: async () => (reads++ === 0 ? {} : bootstrap.state()),
      keepTokenHash: (hash) => bootstrap.keepTokenHash(hash),
      retire: (at) => bootstrap.retire(at),
    }
    const mine = await bootstrapToken(racing, undefined)
    expect(mine.printOnce).toBeUndefined()
    expect(mine.hash).toBe(other.hash)
  })

  it('once retired is refused, and stays refused at the next start even when configured', async () => {
    const { access, bootstrap, clock } = await aWorld()
    expect(access.bootstrapRetired).toBe(false)
    const at = await access.retireBootstrap()
    expect(at).toBe(clock.now())
    clock.set(clock.now() + 5_000)
    expect(await access.retireBootstrap()).toBe(at)
    expect(await access.resolve(ADMIN)).toBeUndefined()
    expect(access.isRetiredBootstrap(ADMIN)).toBe(true)
    expect(access.isRetiredBootstrap('some-other-token')).toBe(false)

    const restarted = await aWorld({ bootstrap })
    expect(restarted.access.bootstrapRetired).toBe(true)
    expect(await restarted.access.resolve(ADMIN)).toBeUndefined()
  })
})

describe('web sessions', () => {
  it('stand for the user as the user is now, until they expire', async () => {
    const { access, registry, clock } = await aWorld()
    expect(await access.login('li', 'wrong-password')).toEqual({ ok: false, reason: 'bad_credentials' })
    const login = await access.login('li', 'password-li')
    if (!login.ok) throw new Error('login refused')
    expect(login).toMatchObject({ role: 'supervisor', expiresAt: clock.now() + SESSION_MS })
    expect(await access.resolve(login.token)).toEqual({
      username: 'li',
      role: 'supervisor',
      grid: ['滨城区'],
    })
    await registry.putUser('li', { role: 'dispatcher', password: 'password-li' })
    expect(await access.resolve(login.token)).toEqual({ username: 'li', role: 'dispatcher' })
    clock.set(login.expiresAt)
    expect(await access.resolve(login.token)).toBeUndefined()
  })

  it('of a disabled user are refused, and the user cannot log in (told apart for the audit log)', async () => {
    const { access, registry } = await aWorld()
    const login = await access.login('li', 'password-li')
    if (!login.ok) throw new Error('login refused')
    await registry.setUserDisabled('li', true)
    expect(await access.resolve(login.token)).toBeUndefined()
    expect(await access.login('li', 'password-li')).toEqual({ ok: false, reason: 'disabled' })
  })

  it('end at logout and when the user’s account changes; a carer’s phone keeps its own', async () => {
    const { access, registry, sessions } = await aWorld()
    await registry.putUser('C01', { role: 'carer', password: 'password-c1', carerId: 'C01' })
    const web = await access.login('C01', 'password-c1')
    const phone = await access.carerLogin('C01', 'carer-secret-1')
    const li = await access.login('li', 'password-li')
    if (!web.ok || !phone.ok || !li.ok) throw new Error('login refused')
    expect(await access.endSessionsOf('C01')).toBe(1)
    expect(await access.resolve(web.token)).toBeUndefined()
    expect((await access.resolve(phone.token))?.carerId).toBe('C01')
    expect(await access.logout(li.token)).toBe('ended')
    expect(await access.resolve(li.token)).toBeUndefined()
    expect([...sessions.sessions.values()].map((s) => s.carerId)).toEqual(['C01'])
  })

  it('are the only tokens logout ends: the bootstrap and service tokens are not sessions', async () => {
    const { access } = await aWorld()
    access.admitService('node-red', 'service-token-000001')
    expect(await access.resolve('service-token-000001')).toEqual({ username: 'node-red', role: 'dispatcher' })
    expect(await access.logout('service-token-000001')).toBe('not_a_session')
    expect(await access.logout(ADMIN)).toBe('not_a_session')
    expect((await access.resolve(ADMIN))?.role).toBe('admin')
  })
})

describe('a carer’s phone session', () => {
  it('is traded for the carer’s own secret only, and is their MQTT password while it lives', async () => {
    const { access, clock } = await aWorld()
    expect(await access.carerLogin('C01', 'wrong-secret')).toEqual({ ok: false, reason: 'bad_credentials' })
    expect(await access.carerLogin('D01', 'device-secret')).toEqual({ ok: false, reason: 'not_a_carer' })
    const phone = await access.carerLogin('C01', 'carer-secret-1')
    if (!phone.ok) throw new Error('login refused')
    expect(phone.expiresAt).toBe(clock.now() + CARER_SESSION_MS)
    expect(await access.resolve(phone.token)).toEqual({ username: 'C01', role: 'carer', carerId: 'C01' })
    expect(await access.carerSession('C01', phone.token)).toEqual({
      kind: 'carer',
      id: 'C01',
      session: sha256(phone.token),
    })
    expect(await access.carerSession('C02', phone.token)).toBeNull()
    expect(await access.carerSession('C01', '')).toBeNull()
    clock.set(phone.expiresAt)
    expect(await access.carerSession('C01', phone.token)).toBeNull()
  })

  it('ends with a new secret or a logout, and whoever holds its connections is told', async () => {
    const { access, ended } = await aWorld()
    const one = await access.carerLogin('C01', 'carer-secret-1')
    const two = await access.carerLogin('C01', 'carer-secret-1')
    const other = await access.carerLogin('C02', 'carer-secret-2')
    if (!one.ok || !two.ok || !other.ok) throw new Error('login refused')
    expect(await access.endCarerSessions('C01')).toBe(2)
    expect(ended.map((hashes) => new Set(hashes))).toEqual([new Set([sha256(one.token), sha256(two.token)])])
    expect(await access.carerSession('C01', one.token)).toBeNull()
    expect(await access.endCarerSessions('C01')).toBe(0)
    expect(ended).toHaveLength(1) // nothing ended, nobody told
    expect(await access.logout(other.token)).toBe('ended')
    expect(ended.at(-1)).toEqual([sha256(other.token)])
  })
})

function deps() {
  const repo = new MemoryRegistry()
  const clock = new ManualClock(0)
  return {
    sessions: new MemorySessions(),
    directory: new Registry({ repository: repo, privacy: repo, clock }),
    clock,
  }
}
