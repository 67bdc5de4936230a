import mqtt, { type IClientOptions } from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME, startWorld, type World } from '../support/world.ts'

/**
 * A carer's phone once kept the carer's permanent MQTT secret in the browser. Now it trades the
 * secret, once, for a session token (`POST /auth/carer`) that the broker takes as the MQTT password,
 * that logout revokes and that a new secret ends — and only the token is kept.
 */
type ErrorBody = { error: { code: string; message: string } }
type Session = { token: string; role: string; carerId: string; expiresAt: number }

let world: World
beforeEach(async () => {
  world = await startWorld()
  await world.elder('E01')
  for (const id of ['C01', 'C02']) {
    await world.api('PUT', `/api/v1/carers/${id}`, {
      name: `护理员${id}`,
      mode: 'ebike',
      secret: `secret-${id}`,
      base: HOME,
    })
  }
  await world.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
})
afterEach(async () => {
  await world.stop()
})

const exchange = (carerId: string, secret: string) =>
  world.api<Session & ErrorBody>('POST', '/api/v1/auth/carer', { carerId, secret }, '')

/** MQTT over the gateway's WebSocket, as the carer page connects: the CONNACK return code (0 = in). */
function connect(options: IClientOptions): Promise<{ code: number; client?: mqtt.MqttClient }> {
  const client = mqtt.connect(`ws://127.0.0.1:${world.app.httpPort}/mqtt`, {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    protocolVersion: 4,
    ...options,
  })
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ code: 0, client }))
    client.once('error', (error) => {
      client.end(true)
      resolve({ code: (error as { code?: number }).code ?? -1 })
    })
  })
}

async function mqttCode(username: string, password: string): Promise<number> {
  const { code, client } = await connect({ username, password })
  client?.end(true)
  return code
}

describe('POST /auth/carer', () => {
  it('trades the carer id and secret for a session token, stored only as a hash', async () => {
    const res = await exchange('C01', 'secret-C01')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      role: 'carer',
      carerId: 'C01',
      expiresAt: world.clock.now() + 7 * 86_400_000,
    })
    expect(res.body.token).not.toContain('secret-C01')
    const rows = world.db().prepare('SELECT * FROM sessions').all()
    const text = JSON.stringify(rows)
    expect(text).not.toContain(res.body.token)
    expect(text).not.toContain('secret-C01')
    expect(rows).toEqual([expect.objectContaining({ username: 'C01', carer_id: 'C01' })])
  })

  it('refuses a wrong secret, an unknown id, and a device’s own login (not a carer)', async () => {
    const wrong = await exchange('C01', 'not-the-secret')
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('BAD_CREDENTIALS')
    const unknown = await exchange('C99', 'not-the-secret')
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
    const device = await exchange('D01', 'secret-D01')
    expect(device.status).toBe(403)
    expect(device.body.error.code).toBe('NOT_A_CARER')
    const audit = await world.api<{ items: { action: string; actor?: string }[] }>(
      'GET',
      '/api/v1/audit?action=auth.carer_login_failed',
    )
    expect(audit.body.items.map((a) => `${a.action} ${a.actor}`)).toEqual(
      expect.arrayContaining(['auth.carer_login_failed C01', 'auth.carer_login_failed C99']),
    )
  })

  it('is rate-limited per carer id like the password login', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await exchange('C02', 'guess-guess')).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
  })
})

describe('the session token over MQTT (WebSocket)', () => {
  it('is the carer’s MQTT password: their own topics, and nobody else’s id', async () => {
    const { body } = await exchange('C01', 'secret-C01')
    const { code, client } = await connect({
      username: 'C01',
      password: body.token,
      clientId: 'web-C01-test',
    })
    expect(code).toBe(0)
    if (!client) throw new Error('not connected')
    const granted = await client.subscribeAsync('care/v1/carer/C01/task', { qos: 1 })
    expect(granted.map((g) => g.qos)).toEqual([1])
    await client.publishAsync('care/v1/carer/C01/duty', JSON.stringify({ status: 'on' }), { qos: 1 })
    expect(world.app.surface.carer('C01')?.duty).toBe('on')
    client.end(true)
    // bound to C01: the same token for another carer's id is refused
    expect(await mqttCode('C02', body.token)).toBe(4)
  })

  it('is refused at CONNECT after logout, and on HTTP too', async () => {
    const { body } = await exchange('C01', 'secret-C01')
    expect(await mqttCode('C01', body.token)).toBe(0)
    const tasks = await world.api('GET', '/api/v1/carers/C01/tasks', undefined, body.token)
    expect(tasks.status).toBe(200)
    expect((await world.api('POST', '/api/v1/auth/logout', undefined, body.token)).status).toBe(204)
    expect(await mqttCode('C01', body.token)).toBe(4)
    expect((await world.api('GET', '/api/v1/carers/C01/tasks', undefined, body.token)).status).toBe(401)
    // the secret itself still works: logout ended the session, not the carer
    expect(await mqttCode('C01', 'secret-C01')).toBe(0)
  })

  it('ends when the carer gets a new secret, not when only their profile changes', async () => {
    const { body } = await exchange('C01', 'secret-C01')
    await world.api('PUT', '/api/v1/carers/C01', {
      name: '王芳',
      mode: 'car',
      secret: 'secret-C01',
      base: HOME,
    })
    expect(await mqttCode('C01', body.token)).toBe(0)
    await world.api('PUT', '/api/v1/carers/C01', {
      name: '王芳',
      mode: 'car',
      secret: 'a-new-secret',
      base: HOME,
    })
    expect(await mqttCode('C01', body.token)).toBe(4)
  })

  it('expires after seven days', async () => {
    const { body } = await exchange('C01', 'secret-C01')
    world.clock.set(body.expiresAt - 1)
    expect(await mqttCode('C01', body.token)).toBe(0)
    world.clock.set(body.expiresAt)
    expect(await mqttCode('C01', body.token)).toBe(4)
  })

  it('acts as the carer on HTTP, for their own record only', async () => {
    const { body } = await exchange('C01', 'secret-C01')
    expect((await world.api('GET', '/api/v1/carers/C01', undefined, body.token)).status).toBe(200)
    expect((await world.api('GET', '/api/v1/carers/C02/tasks', undefined, body.token)).status).toBe(403)
    expect((await world.api('GET', '/api/v1/alarms', undefined, body.token)).status).toBe(403)
  })
})
