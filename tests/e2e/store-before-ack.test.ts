import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

/**
 * contract: a PUBACK means "stored". When the store refuses the write, the
 * device gets no PUBACK and sends again; once the store works, the
 * retransmission is stored exactly once.
 */

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

const count = (sql: string, ...args: string[]) =>
  (
    world
      .db()
      .prepare(sql)
      .get(...args) as { n: number }
  ).n

/** The store failing as a full disk would: a trigger that aborts every new alarm. */
function breakStore(): () => void {
  const db = new DatabaseSync(join(world.dataDir, 'care.db'))
  // the gateway writes too (telemetry, visits): wait for its transaction rather than fail on it
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec(`CREATE TRIGGER store_fails BEFORE INSERT ON alarms BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
  return () => {
    db.exec('DROP TRIGGER store_fails')
    db.close()
  }
}

/** Publish at QoS 1 and report whether the PUBACK came or the connection closed first. */
function publishOnce(client: TestClient, topic: string, message: unknown): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    client.client.once('close', () => resolve('closed'))
    client.client.publish(topic, JSON.stringify(message), { qos: 1 }, (error) => {
      if (!error) resolve('acked')
    })
  })
}

describe('an SOS while the store refuses to write', () => {
  it('gets no PUBACK, and its retransmission is stored exactly once when the store is back', async () => {
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const repair = breakStore()
    const press = { id: 'press-1', ts: world.clock.now() }

    expect(await publishOnce(device, 'care/v1/dev/D01/sos', press)).toBe('closed')
    expect(world.app.surface.metrics.get('care_mqtt_store_failures_total')).toBe(1)
    // nothing half-written: not the alarm, and not the message ledger that would swallow the retry
    expect(count('SELECT count(*) AS n FROM alarms')).toBe(0)
    expect(count('SELECT count(*) AS n FROM device_messages WHERE device_id = ?', 'D01')).toBe(0)
    expect(device.messages((r) => r.message.state === 'received')).toEqual([])

    repair()
    const again = await TestClient.connect(world.mqttUrl, 'D01', 'secret-D01')
    world.clients.push(again)
    await again.subscribe('care/v1/dev/D01/notify')
    expect(await publishOnce(again, 'care/v1/dev/D01/sos', press)).toBe('acked')
    const received = await again.next((r) => r.message.state === 'received')
    // and a further duplicate (a PUBACK lost on the way back) changes nothing
    expect(await publishOnce(again, 'care/v1/dev/D01/sos', press)).toBe('acked')
    await world.settled(again)

    expect(count('SELECT count(*) AS n FROM alarms')).toBe(1)
    expect(count('SELECT count(*) AS n FROM device_messages WHERE device_id = ?', 'D01')).toBe(1)
    expect(again.messages((r) => r.message.state === 'received')).toEqual([received.message])
  })
})
