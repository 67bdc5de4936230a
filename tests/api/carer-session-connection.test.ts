import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME, startWorld, type World } from '../support/world.ts'

/**
 * A carer's phone session ends (logout, a new secret): the MQTT connection
 * made with its token ends at once too, not at the next reconnect — a phone
 * handed back must stop receiving elders' files the moment it is signed out.
 */

let world: World
const clients: mqtt.MqttClient[] = []
beforeEach(async () => {
  world = await startWorld()
  for (const id of ['C01', 'C02']) {
    await world.api('PUT', `/api/v1/carers/${id}`, {
      name: id,
      mode: 'walk',
      secret: `secret-${id}`,
      base: HOME,
    })
  }
})
afterEach(async () => {
  for (const c of clients) c.end(true)
  await world.stop()
})

async function phone(carerId: string, password: string): Promise<mqtt.MqttClient> {
  const client = mqtt.connect(`ws://127.0.0.1:${world.app.httpPort}/mqtt`, {
    username: carerId,
    password,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  })
  clients.push(client)
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  return client
}

const closed = (client: mqtt.MqttClient) =>
  new Promise<void>((resolve) => client.once('close', () => resolve()))

async function session(carerId: string): Promise<string> {
  const res = await world.api<{ token: string }>('POST', '/api/v1/auth/carer', {
    carerId,
    secret: `secret-${carerId}`,
  })
  return res.body.token
}

describe('a carer phone session that ends', () => {
  it('closes the connection made with its token at logout, and only that one', async () => {
    const token = await session('C01')
    const other = await session('C01') // the same carer on a second phone
    const ended = await phone('C01', token)
    const kept = await phone('C01', other)
    const bySecret = await phone('C02', 'secret-C02')
    const gone = closed(ended)
    const out = await world.api('POST', '/api/v1/auth/logout', undefined, token)
    expect(out.status).toBe(204)
    await gone
    // the other phone's session and a secret login stay connected: proven by a round trip each
    await kept.publishAsync('care/v1/carer/C01/duty', JSON.stringify({ status: 'on' }), { qos: 1 })
    await bySecret.publishAsync('care/v1/carer/C02/duty', JSON.stringify({ status: 'on' }), { qos: 1 })
    expect([kept.connected, bySecret.connected]).toEqual([true, true])
  })

  it('closes every phone of a carer whose secret changed', async () => {
    const first = await phone('C01', await session('C01'))
    const second = await phone('C01', await session('C01'))
    const both = Promise.all([closed(first), closed(second)])
    const put = await world.api('PUT', '/api/v1/carers/C01', {
      name: 'C01',
      mode: 'walk',
      secret: 'a-new-secret-C01',
      base: HOME,
    })
    expect(put.status).toBeLessThan(300)
    await both
  })
})
