import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME, startWorld, type World } from '../support/world.ts'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

type ErrorBody = { error: { code: string; message: string } }

describe('the HTTP API refuses bad requests with a coded error', () => {
  it('401 without a token or with a wrong one', async () => {
    const none = await world.app.surface.inject({ method: 'GET', url: '/api/v1/alarms' })
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
    const wrong = await world.api<ErrorBody>('GET', '/api/v1/alarms', undefined, 'not-the-token-at-all')
    expect(wrong.status).toBe(401)
  })

  it('403 for a role that may not do it', async () => {
    await world.api('PUT', '/api/v1/users/viewer', { role: 'supervisor', password: 'long-enough-pass' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'viewer',
      password: 'long-enough-pass',
    })
    expect(login.status).toBe(200)
    const put = await world.api<ErrorBody>(
      'PUT',
      '/api/v1/elders/E01',
      { name: 'x', home: HOME },
      login.body.token,
    )
    expect(put.status).toBe(403)
    expect(put.body.error.code).toBe('FORBIDDEN')
    const read = await world.api('GET', '/api/v1/alarms', undefined, login.body.token)
    expect(read.status).toBe(200)
  })

  it('400 with the field path for a wrong type, an unknown field or a coordinate of 999', async () => {
    const wrongType = await world.api<ErrorBody>('PUT', '/api/v1/elders/E01', { name: 42, home: HOME })
    expect(wrongType.status).toBe(400)
    expect(wrongType.body.error).toMatchObject({ code: 'BAD_REQUEST' })
    expect(wrongType.body.error.message).toMatch(/^name:/)
    const unknown = await world.api<ErrorBody>('PUT', '/api/v1/elders/E01', {
      name: 'a',
      home: HOME,
      age: 80,
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toMatch(/age/)
    const far = await world.api<ErrorBody>('PUT', '/api/v1/elders/E01', {
      name: 'a',
      home: { lat: 999, lon: 0 },
    })
    expect(far.status).toBe(400)
    expect(far.body.error.message).toMatch(/^home\.lat:/)
    const missing = await world.api<ErrorBody>('GET', '/api/v1/elders/E01')
    expect(missing.status).toBe(404)
  })

  it('400 for a body that is not JSON, 413 for one over the limit', async () => {
    const headers = {
      authorization: `Bearer ${'test-admin-token-0123456789'}`,
      'content-type': 'application/json',
    }
    const bad = await world.app.surface.inject({
      method: 'PUT',
      url: '/api/v1/elders/E01',
      headers,
      payload: '{"name":',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ error: { code: 'INVALID_JSON' } })
    const huge = await world.app.surface.inject({
      method: 'PUT',
      url: '/api/v1/elders/E01',
      headers,
      payload: JSON.stringify({ name: 'x'.repeat(2_000_000), home: HOME }),
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
  })

  it('never returns a secret or its hash', async () => {
    await world.api('PUT', '/api/v1/elders/E01', { name: '赵大爷', home: HOME })
    const put = await world.api('PUT', '/api/v1/devices/D01', {
      kind: 'phone',
      elderId: 'E01',
      secret: 'device-secret-1',
    })
    const put2 = await world.api('PUT', '/api/v1/carers/C01', {
      name: '孙丽',
      mode: 'walk',
      secret: 'carer-secret-1',
    })
    const lists = [
      put,
      put2,
      await world.api('GET', '/api/v1/devices'),
      await world.api('GET', '/api/v1/carers/C01'),
    ]
    for (const res of lists) {
      expect(res.status).toBeLessThan(300)
      const text = JSON.stringify(res.body)
      expect(text).not.toMatch(/secret|scrypt|hash/i)
    }
  })

  it('refuses a device whose elder is unknown, and an id already used by a carer', async () => {
    const orphan = await world.api<ErrorBody>('PUT', '/api/v1/devices/D01', {
      kind: 'phone',
      elderId: 'E09',
      secret: 'secret-123',
    })
    expect(orphan.status).toBe(400)
    expect(orphan.body.error.code).toBe('UNKNOWN_ELDER')
    await world.api('PUT', '/api/v1/carers/X01', { name: '周', mode: 'bike', secret: 'secret-123' })
    await world.api('PUT', '/api/v1/elders/E01', { name: '钱', home: HOME })
    const taken = await world.api<ErrorBody>('PUT', '/api/v1/devices/X01', {
      kind: 'phone',
      elderId: 'E01',
      secret: 'secret-123',
    })
    expect(taken.status).toBe(409)
    expect(taken.body.error.code).toBe('ID_TAKEN')
  })

  it('answers health without a token', async () => {
    const res = await world.app.surface.inject({ method: 'GET', url: '/api/v1/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', broker: { status: 'up' }, store: { status: 'up' } })
  })
})

describe('CORS', () => {
  it('is off by default and on for configured origins', async () => {
    const preflight = {
      method: 'OPTIONS' as const,
      url: '/api/v1/alarms',
      headers: { origin: 'https://board.example', 'access-control-request-method': 'GET' },
    }
    const off = await world.app.surface.inject(preflight)
    expect(off.headers['access-control-allow-origin']).toBeUndefined()
    const other = await startWorld({ env: { CARE_CORS_ORIGIN: 'https://board.example' } })
    try {
      const on = await other.app.surface.inject(preflight)
      expect(on.headers['access-control-allow-origin']).toBe('https://board.example')
    } finally {
      await other.stop()
    }
  })

  it('sends security headers', async () => {
    const res = await world.app.surface.inject({ method: 'GET', url: '/api/v1/health' })
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' })
  })
})
