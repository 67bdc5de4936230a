import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { passwordCost, scryptDerivations } from '../../gateway/registry/secrets.ts'
import { startWorld, type World } from '../support/world.ts'

/**
 * Account probing: an attacker times `POST /auth/login` for names they guess. A real user costs
 * one scrypt derivation at the password cost; an unknown one must cost the same, not a table miss.
 * Counted, not timed: the counter proves the same work runs on both paths.
 */
let world: World
beforeAll(async () => {
  world = await startWorld()
  await world.api('PUT', '/api/v1/users/disp1', { role: 'dispatcher', password: 'password-disp1' })
})
afterAll(async () => {
  await world.stop()
})

async function login(username: string, password: string) {
  const before = scryptDerivations(passwordCost)
  const res = await world.api('POST', '/api/v1/auth/login', { username, password })
  return { ...res, derivations: scryptDerivations(passwordCost) - before }
}

describe('login of an unknown user', () => {
  it('pays one password-cost scrypt derivation, as a wrong password for a real user does', async () => {
    const real = await login('disp1', 'not-the-password')
    const ghost = await login('nobody-here', 'not-the-password')
    expect(real.derivations).toBe(1)
    expect(ghost.derivations).toBe(1)
    // and the two answers cannot be told apart
    expect(ghost.status).toBe(401)
    expect(ghost.body).toEqual(real.body)
  })

  it('still lets the real user in with the right password', async () => {
    const ok = await login('disp1', 'password-disp1')
    expect(ok.status).toBe(200)
    expect(ok.derivations).toBe(1)
  })
})
