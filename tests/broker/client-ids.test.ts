import mqtt, { type IClientOptions } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { eventually, TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

// security: an MQTT session belongs to its principal — another principal's client id is refused (CONNACK 2)

let world: World
afterEach(async () => {
  await world.stop()
})

/** Try to connect; the CONNACK's return code (0: accepted), the client left open when accepted. */
function attempt(w: World, options: IClientOptions): Promise<{ code: number; client: mqtt.MqttClient }> {
  const client = mqtt.connect(w.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000, ...options })
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ code: 0, client }))
    client.once('error', (error) => {
      client.end(true)
      resolve({ code: (error as { code?: number }).code ?? -1, client })
    })
  })
}

/** A carer's phone with a fixed client id and a persistent session, subscribed to its tasks. */
async function phone(w: World, carerId: string, clientId: string, clean = false): Promise<TestClient> {
  const client = await TestClient.connect(w.mqttUrl, carerId, `secret-${carerId}`, { clientId, clean })
  w.clients.push(client)
  await client.subscribe(topics.carerTask(carerId))
  return client
}

async function offeredAlarm(w: World): Promise<void> {
  await eventually(
    () =>
      (
        w.db().prepare("SELECT count(*) AS n FROM alarms WHERE state = 'offered'").get() as {
          n: number
        }
      ).n === 1,
    5_000,
    'the alarm offered',
  )
}

function refusals(w: World): number {
  return w.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'client_id_taken' })
}

describe('a carer’s client id', () => {
  it('cannot be taken by a device while the carer is away: the queued offer waits for the carer', async () => {
    world = await startWorld()
    await world.elder('E01')
    const elder = await world.device('D02', 'E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
    await (await world.carer('C01', offset(HOME, 300, 0))).end() // on duty, positioned
    const carer = await phone(world, 'C01', 'C001')
    await carer.end() // signal lost; the session and its subscription stay

    await elder.publish(topics.deviceUplink('D02', 'sos'), { id: 's1', ts: world.clock.now() })
    await offeredAlarm(world)

    // a device, with its own valid secret, asks for the carer's client id and a persistent session
    const taker = await attempt(world, {
      username: 'D01',
      password: 'secret-D01',
      clientId: 'C001',
      clean: false,
    })
    const stolen: string[] = []
    taker.client.on('message', (topic) => stolen.push(topic))
    expect(taker.code).toBe(2)
    expect(refusals(world)).toBe(1)
    const [line] = world
      .db()
      .prepare("SELECT actor, detail FROM audit WHERE action = 'mqtt.client_id_taken'")
      .all() as { actor: string; detail: string }[]
    expect(line?.actor).toBe('D01')
    expect(JSON.parse(line?.detail ?? '{}')).toMatchObject({ clientId: 'C001' })

    const back = await TestClient.connect(world.mqttUrl, 'C01', 'secret-C01', {
      clientId: 'C001',
      clean: false,
    })
    world.clients.push(back)
    const offer = await back.next((r) => r.message.action === 'offer', 5_000, 'the queued offer')
    expect(offer.topic).toBe(topics.carerTask('C01'))
    expect(stolen).toEqual([])
  })

  it('cannot be used to knock the carer off while online', async () => {
    world = await startWorld()
    await world.elder('E01')
    await world.api('PUT', '/api/v1/devices/D01', { kind: 'phone', elderId: 'E01', secret: 'secret-D01' })
    await (await world.carer('C01', offset(HOME, 300, 0))).end()
    const carer = await phone(world, 'C01', 'C001', true)
    let closed = false
    carer.client.on('close', () => {
      closed = true
    })

    for (const clean of [true, false]) {
      const taker = await attempt(world, { username: 'D01', password: 'secret-D01', clientId: 'C001', clean })
      expect(taker.code, `clean: ${clean}`).toBe(2)
    }
    expect(refusals(world)).toBe(2)
    // a round trip on the carer's connection after both attempts: still the same one, still working
    await carer.publish(topics.carerUplink('C01', 'loc'), { ts: world.clock.now(), ...offset(HOME, 310, 0) })
    expect(closed).toBe(false)
    expect(carer.client.connected).toBe(true)
  })
})

describe('a client id in general', () => {
  it('lets its own principal take over a connection, and is free again once a clean session ends', async () => {
    world = await startWorld()
    await world.elder('E01')
    for (const id of ['D01', 'D02']) {
      await world.api('PUT', `/api/v1/devices/${id}`, {
        kind: 'phone',
        elderId: 'E01',
        secret: `secret-${id}`,
      })
    }
    const first = await attempt(world, { username: 'D01', password: 'secret-D01', clientId: 'X1' })
    const firstClosed = new Promise<void>((resolve) => first.client.once('close', () => resolve()))
    // the same device again (a half-open old connection, say): it takes its own session over
    const second = await attempt(world, { username: 'D01', password: 'secret-D01', clientId: 'X1' })
    expect([first.code, second.code]).toEqual([0, 0])
    await firstClosed
    expect((await attempt(world, { username: 'D02', password: 'secret-D02', clientId: 'X1' })).code).toBe(2)

    await second.client.endAsync()
    await eventually(() => world.app.surface.connections() === 0, 3_000, 'the disconnect')
    const other = await attempt(world, { username: 'D02', password: 'secret-D02', clientId: 'X1' })
    expect(other.code).toBe(0)
    await other.client.endAsync()
  })
})
