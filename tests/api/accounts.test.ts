import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bootstrapToken } from '../../gateway/access/bootstrap.ts'
import { Store } from '../../gateway/store/db.ts'
import { SqliteSettings } from '../../gateway/store/sqlite/settings.ts'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'

/**
 * Accounts an admin has to be able to take back: a password reset, a demotion, a disabled or
 * deleted user must end what that user already holds, and the bootstrap token must be retirable.
 */
type ErrorBody = { error: { code: string; message: string } }

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

async function user(username: string, role = 'dispatcher', password = `password-${username}`) {
  const res = await world.api('PUT', `/api/v1/users/${username}`, { role, password })
  expect(res.status).toBeLessThan(300)
}

async function login(username: string, password = `password-${username}`) {
  return world.api<{ token: string } & ErrorBody>('POST', '/api/v1/auth/login', { username, password })
}

async function session(username: string, password?: string): Promise<string> {
  const res = await login(username, password)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.token
}

/** The status of an ordinary read with this token: 200 while it works, 401 once it does not. */
const works = async (token: string) => (await world.api('GET', '/api/v1/alarms', undefined, token)).status

describe('changing a user ends their sessions', () => {
  it('a new password: the old session is refused at once, other users keep theirs', async () => {
    await user('wang')
    await user('lihua')
    const wang = await session('wang')
    const lihua = await session('lihua')
    expect(await works(wang)).toBe(200)
    await world.api('PUT', '/api/v1/users/wang', { role: 'dispatcher', password: 'a-new-password' })
    expect(await works(wang)).toBe(401)
    expect(await works(lihua)).toBe(200)
    expect(await works(await session('wang', 'a-new-password'))).toBe(200)
  })

  it('a new role, with the same password', async () => {
    await user('zhao', 'dispatcher')
    const token = await session('zhao')
    await world.api('PUT', '/api/v1/users/zhao', { role: 'supervisor', password: 'password-zhao' })
    expect(await works(token)).toBe(401)
  })

  it('a new name alone (same password and role) leaves the session alone', async () => {
    await user('sun')
    const token = await session('sun')
    await world.api('PUT', '/api/v1/users/sun', {
      role: 'dispatcher',
      password: 'password-sun',
      name: '孙丽',
    })
    expect(await works(token)).toBe(200)
  })
})

describe('disabling, enabling and deleting a user', () => {
  it('a disabled user is out at once and cannot log in; enabled again, they can', async () => {
    await user('qian')
    const token = await session('qian')
    const off = await world.api<{ disabled: boolean }>('POST', '/api/v1/users/qian/disable')
    expect(off.status).toBe(200)
    expect(off.body.disabled).toBe(true)
    expect(await works(token)).toBe(401)
    const refused = await login('qian')
    expect(refused.status).toBe(401)
    // the same answer as a wrong password: a disabled account is not told apart from a bad guess
    expect(refused.body.error.code).toBe('BAD_CREDENTIALS')
    expect((await world.api<{ disabled: boolean }>('GET', '/api/v1/users/qian')).body.disabled).toBe(true)
    const on = await world.api<{ disabled: boolean }>('POST', '/api/v1/users/qian/enable')
    expect(on.body.disabled).toBe(false)
    // the old session stays ended; a new login works
    expect(await works(token)).toBe(401)
    expect(await works(await session('qian'))).toBe(200)
    const audit = await world.api<{ items: { action: string; target?: string; actor?: string }[] }>(
      'GET',
      '/api/v1/audit?target=qian',
    )
    expect(audit.body.items.map((a) => a.action)).toEqual(
      expect.arrayContaining(['user.disable', 'user.enable']),
    )
    const refusals = await world.api<{ items: { action: string }[] }>('GET', '/api/v1/audit?actor=qian')
    expect(refusals.body.items.map((a) => a.action)).toContain('auth.login_disabled')
  })

  it('a PUT keeps a disabled user disabled', async () => {
    await user('zhou')
    await world.api('POST', '/api/v1/users/zhou/disable')
    await world.api('PUT', '/api/v1/users/zhou', { role: 'dispatcher', password: 'another-password' })
    expect((await login('zhou', 'another-password')).status).toBe(401)
  })

  it('a deleted user is gone with their sessions, and the audit log still names them', async () => {
    await user('wuwei')
    const token = await session('wuwei')
    const del = await world.api('DELETE', '/api/v1/users/wuwei')
    expect(del.status).toBe(204)
    expect(await works(token)).toBe(401)
    expect((await world.api<ErrorBody>('GET', '/api/v1/users/wuwei')).body.error.code).toBe('USER_NOT_FOUND')
    expect((await login('wuwei')).status).toBe(401)
    const audit = await world.api<{ items: { action: string }[] }>('GET', '/api/v1/audit?actor=wuwei')
    expect(audit.body.items.map((a) => a.action)).toContain('auth.login')
    const deleted = await world.api<{ items: { action: string }[] }>('GET', '/api/v1/audit?target=wuwei')
    expect(deleted.body.items.map((a) => a.action)).toContain('user.delete')
  })

  it('answers USER_NOT_FOUND for someone who does not exist', async () => {
    for (const [method, url] of [
      ['POST', '/api/v1/users/ghost/disable'],
      ['POST', '/api/v1/users/ghost/enable'],
      ['DELETE', '/api/v1/users/ghost'],
    ] as const) {
      const res = await world.api<ErrorBody>(method, url)
      expect(res.status, url).toBe(404)
      expect(res.body.error.code).toBe('USER_NOT_FOUND')
    }
  })
})

describe('logout', () => {
  it('ends a session: the token is refused afterwards', async () => {
    await user('feng')
    const token = await session('feng')
    expect((await world.api('POST', '/api/v1/auth/logout', undefined, token)).status).toBe(204)
    expect(await works(token)).toBe(401)
  })

  it('says it cannot end the bootstrap token, which keeps working', async () => {
    const res = await world.api<ErrorBody>('POST', '/api/v1/auth/logout')
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('NOT_A_SESSION')
    expect(res.body.error.message).toMatch(/bootstrap-token\/retire/)
    expect(await works(ADMIN_TOKEN)).toBe(200)
  })
})

describe('retiring the bootstrap admin token', () => {
  it('is refused while no admin user could take over', async () => {
    const res = await world.api<ErrorBody>('POST', '/api/v1/auth/bootstrap-token/retire')
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('LAST_ADMIN')
    // a disabled admin does not count
    await user('boss', 'admin')
    await world.api('POST', '/api/v1/users/boss/disable')
    expect((await world.api('POST', '/api/v1/auth/bootstrap-token/retire')).status).toBe(409)
    expect(await works(ADMIN_TOKEN)).toBe(200)
  })

  it('ends the bootstrap token at once; the admin users carry on and cannot remove the last of them', async () => {
    await user('boss', 'admin')
    const boss = await session('boss')
    const retired = await world.api<{ retiredAt: number }>('POST', '/api/v1/auth/bootstrap-token/retire')
    expect(retired.status).toBe(200)
    expect(retired.body.retiredAt).toBe(world.clock.now())
    const refused = await world.api<ErrorBody>('GET', '/api/v1/alarms')
    expect(refused.status).toBe(401)
    expect(refused.body.error.message).toMatch(/retired/)
    expect(await works(boss)).toBe(200)
    // the last admin may not be disabled, deleted or demoted now
    for (const [method, url, body] of [
      ['POST', '/api/v1/users/boss/disable', undefined],
      ['DELETE', '/api/v1/users/boss', undefined],
      ['PUT', '/api/v1/users/boss', { role: 'dispatcher', password: 'password-boss' }],
    ] as const) {
      const res = await world.api<ErrorBody>(method, url, body, boss)
      expect(res.status, url).toBe(409)
      expect(res.body.error.code).toBe('LAST_ADMIN')
    }
    // with a second admin, the first may go
    await world.api('PUT', '/api/v1/users/deputy', { role: 'admin', password: 'password-deputy' }, boss)
    expect((await world.api('POST', '/api/v1/users/boss/disable', undefined, boss)).status).toBe(200)
    expect(await works(boss)).toBe(401)
  })

  it('stays retired after a restart with CARE_ADMIN_TOKEN still set', async () => {
    await world.stop()
    world = await startWorld({ keepData: true })
    const dataDir = world.dataDir
    await user('boss', 'admin')
    await world.api('POST', '/api/v1/auth/bootstrap-token/retire')
    await world.stop()
    world = await startWorld({ dataDir }) // the same CARE_ADMIN_TOKEN as before; removes the data when done
    const res = await world.api<ErrorBody>('GET', '/api/v1/alarms')
    expect(res.status).toBe(401)
    expect(res.body.error.message).toMatch(/retired/)
    expect(await works(await session('boss'))).toBe(200)
  })
})

describe('the bootstrap token at start', () => {
  it('is generated and printed once when none is configured, and never again once retired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-bootstrap-'))
    const store = new Store(join(dir, 'care.db'))
    store.open()
    const settings = new SqliteSettings(store)
    try {
      const first = await bootstrapToken(settings, undefined)
      expect(first.printOnce).toBeDefined()
      expect((await bootstrapToken(settings, undefined)).printOnce).toBeUndefined()
      store.db.prepare("INSERT INTO settings (key, value) VALUES ('admin_token_retired_at', '1')").run()
      const after = await bootstrapToken(settings, undefined)
      expect(after.printOnce).toBeUndefined()
      expect(after.retired).toBe(true)
      expect((await bootstrapToken(settings, 'a-configured-token-000')).retired).toBe(true)
    } finally {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
