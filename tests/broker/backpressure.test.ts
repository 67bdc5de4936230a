import { afterEach, describe, expect, it } from 'vitest'
import { topics } from '../../kernel/contract/topics.ts'
import { eventually, type TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

// contract: PUBACK means kept — QoS 1 telemetry over the rate waits for its turn instead of being dropped

let world: World
afterEach(async () => {
  await world.stop()
})

interface Upload {
  sent: number[]
  /** Message indexes in the order their PUBACKs came back. */
  acked: number[]
  refused: number
}

/** Publish `count` QoS 1 fixes at once, as fast as mqtt.js writes them (no in-flight window of its own). */
function upload(device: TestClient, id: string, count: number, t0: number): Upload {
  const up: Upload = { sent: [], acked: [], refused: 0 }
  for (let i = 0; i < count; i++) {
    const ts = t0 + i * 1000
    up.sent.push(ts)
    device.publish(topics.deviceUplink(id, 'loc'), { ts, ...offset(HOME, i, 0) }, 1).then(
      () => up.acked.push(i),
      () => up.refused++,
    )
  }
  return up
}

/** Move the gateway's clock a second at a time (no sleeping) until `done`; the wall clock only bounds the wait. */
async function advanceUntil(w: World, done: () => boolean, label: string): Promise<void> {
  const until = Date.now() + 30_000
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`)
    await w.scheduler.advance(1_000)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** The device's positions in the store, by ts, with the gateway's time of storing each. */
async function storedFixes(w: World, id: string): Promise<{ ts: number; receivedAt: number }[]> {
  await w.api('GET', `/api/v1/devices/${id}/track?from=0`) // writes out the telemetry buffered for the next flush
  return w
    .db()
    .prepare('SELECT ts, received_at AS receivedAt FROM positions WHERE device_id = ? ORDER BY ts')
    .all(id) as { ts: number; receivedAt: number }[]
}

describe('a device uploading a backlog faster than its rate', () => {
  it('stores all 1,000 positions in order, acknowledging each only once stored, while others’ SOS are answered', async () => {
    world = await startWorld() // the default rate: 50 a second, bursts of 200
    await world.elder('E01')
    await world.elder('E02')
    const uploader = await world.device('D01', 'E01')
    const elder = await world.device('D02', 'E02')
    const t0 = world.clock.now() - 3_600_000
    const up = upload(uploader, 'D01', 1_000, t0)

    // the clock stands still: the burst goes through, the rest waits unacknowledged
    await eventually(
      () => world.app.surface.metrics.get('care_mqtt_held_total') > 0,
      5_000,
      'a publish held back',
    )
    await elder.publish(topics.deviceUplink('D02', 'sos'), { id: 's1', ts: world.clock.now() })
    await elder.next((r) => r.message.state === 'received', 5_000, 'received while D01 is held back')
    expect(up.acked.length).toBeLessThanOrEqual(200)
    expect(up.acked.length).toBeLessThan(1_000)

    await advanceUntil(world, () => up.acked.length === 1_000, 'every PUBACK')
    expect(up.refused).toBe(0)
    expect(up.acked).toEqual(up.sent.map((_, i) => i))
    const track = await world.api('GET', `/api/v1/devices/D01/track?from=${t0}`)
    expect((track.body as { items: { ts: number }[] }).items.map((p) => p.ts)).toEqual(up.sent)
    // stored in the order sent: a later fix was never stored at an earlier gateway time
    const stored = await storedFixes(world, 'D01')
    expect(stored.map((f) => f.ts)).toEqual(up.sent)
    expect(stored.every((f, i) => i === 0 || f.receivedAt >= (stored[i - 1]?.receivedAt ?? 0))).toBe(true)
    expect(stored.at(-1)?.receivedAt).toBeGreaterThan(stored[0]?.receivedAt ?? 0)
    expect(world.app.surface.metrics.get('care_mqtt_throttled_total')).toBe(0)
    expect(world.app.surface.metrics.total('care_mqtt_refused_total')).toBe(0)
    expect(uploader.client.connected).toBe(true)
  })

  it('closes a connection held back too long without a break, having stored everything it acknowledged', async () => {
    world = await startWorld({
      env: { CARE_MQTT_RATE_PER_S: '1', CARE_MQTT_BURST: '1', CARE_MQTT_HOLD_MAX_S: '5' },
    })
    await world.elder('E01')
    const flooder = await world.device('D01', 'E01')
    const closed = new Promise<void>((resolve) => flooder.client.once('close', () => resolve()))
    const t0 = world.clock.now() - 3_600_000
    const up = upload(flooder, 'D01', 30, t0)
    await eventually(
      () => world.app.surface.metrics.get('care_mqtt_held_total') > 0,
      5_000,
      'a publish held back',
    )
    // the burst's first fix is let through at once: its PUBACK comes when it is stored (on the
    // telemetry store's thread, in real time), before the gateway's clock moves on
    await eventually(() => up.acked.length > 0, 5_000, 'the first fix acknowledged')
    let gone = false
    void closed.then(() => {
      gone = true
    })
    await advanceUntil(world, () => gone, 'the connection closed')
    const refusals = world
      .db()
      .prepare("SELECT detail FROM audit WHERE action = 'mqtt.rate_limited'")
      .all() as { detail: string }[]
    expect(refusals.map((r) => JSON.parse(r.detail).reason)).toEqual(['held_too_long'])
    // one a second for the five seconds allowed (and the burst): the rest was never acknowledged
    const stored = (await storedFixes(world, 'D01')).map((f) => f.ts)
    expect(stored.length).toBeGreaterThanOrEqual(6)
    expect(stored.length).toBeLessThan(30)
    // every PUBACK the device got stands for a stored fix (a PUBACK lost in the close only means a resend)
    expect(up.acked.map((i) => up.sent[i]).filter((ts) => ts === undefined || !stored.includes(ts))).toEqual(
      [],
    )
    expect(up.acked.length).toBeGreaterThan(0)
    expect(world.app.surface.metrics.get('care_mqtt_throttled_total')).toBe(0)
  })
})
