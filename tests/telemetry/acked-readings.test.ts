import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { HOME, startWorld, type World } from '../support/world.ts'

/**
 * A QoS 1 reading is acknowledged only once stored: its PUBACK waits for the batch that holds it,
 * written on the telemetry store's own thread. A QoS 0 reading has no PUBACK and waits for nothing.
 */

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const positions = (deviceId: string) =>
  world
    .db()
    .prepare('SELECT ts FROM positions WHERE device_id = ? ORDER BY ts')
    .all(deviceId)
    .map((r) => Number((r as { ts: number }).ts))

/** The store failing for positions alone, as a full disk would for the batch's first insert. */
function breakPositions(): () => void {
  const db = new DatabaseSync(join(world.dataDir, 'care.db'))
  db.exec(
    `CREATE TRIGGER positions_fail BEFORE INSERT ON positions BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
  )
  return () => {
    db.exec('DROP TRIGGER positions_fail')
    db.close()
  }
}

function publishOnce(client: TestClient, topic: string, message: unknown): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    client.client.once('close', () => resolve('closed'))
    client.client.publish(topic, JSON.stringify(message), { qos: 1 }, (error) => {
      if (!error) resolve('acked')
    })
  })
}

describe('a reading at QoS 1', () => {
  it('is in the store when its PUBACK arrives, each of a run of them, in order', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const t0 = world.clock.now() - 60_000
    for (let i = 0; i < 20; i++) {
      await device.publish('care/v1/dev/D01/loc', { ts: t0 + i * 1_000, lat: HOME.lat, lon: HOME.lon }, 1)
      // the PUBACK came: the fix is there, read through a connection of the test's own
      expect(positions('D01').at(-1)).toBe(t0 + i * 1_000)
    }
    expect(positions('D01')).toEqual(Array.from({ length: 20 }, (_, i) => t0 + i * 1_000))
    expect(world.app.surface.metrics.get('care_telemetry_thread_failures_total')).toBe(0)
  })

  it('gets no PUBACK while its batch cannot be stored, and is stored once when sent again', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const fix = { ts: world.clock.now() - 5_000, lat: HOME.lat, lon: HOME.lon }
    const repair = breakPositions()

    expect(await publishOnce(device, 'care/v1/dev/D01/loc', fix)).toBe('closed')
    expect(world.app.surface.metrics.get('care_telemetry_write_errors_total')).toBe(1)
    expect(world.app.surface.metrics.get('care_mqtt_store_failures_total')).toBe(1)
    expect(positions('D01')).toEqual([])

    repair()
    const again = await TestClient.connect(world.mqttUrl, 'D01', 'secret-D01')
    world.clients.push(again)
    expect(await publishOnce(again, 'care/v1/dev/D01/loc', fix)).toBe('acked')
    expect(await publishOnce(again, 'care/v1/dev/D01/loc', fix)).toBe('acked')
    expect(positions('D01')).toEqual([fix.ts])
  })
})

describe('a reading at QoS 0', () => {
  it('is buffered without waiting: a batch the store refuses is counted, and the connection stays', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const repair = breakPositions()
    const t0 = world.clock.now() - 10_000
    await device.publish('care/v1/dev/D01/loc', { ts: t0, lat: HOME.lat, lon: HOME.lon }, 0)
    await expect.poll(() => world.app.surface.metrics.get('care_telemetry_write_errors_total')).toBe(1)
    repair()
    // the same connection goes on, and its next reading at QoS 1 is stored before its PUBACK
    await device.publish('care/v1/dev/D01/loc', { ts: t0 + 1_000, lat: HOME.lat, lon: HOME.lon }, 1)
    expect(device.client.connected).toBe(true)
    expect(positions('D01')).toEqual([t0 + 1_000])
    expect(world.app.surface.metrics.get('care_mqtt_store_failures_total')).toBe(0)
  })
})
