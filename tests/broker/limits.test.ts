import { afterEach, describe, expect, it } from 'vitest'
import { PrincipalLimiter, TokenBucket } from '../../broker/limits.ts'
import { eventually } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const limits = {
  ratePerS: 10,
  burst: 20,
  alarmRatePerS: 1,
  alarmBurst: 5,
  dropsBeforeDisconnect: 30,
  maxHeld: 100,
  maxHoldMs: 60_000,
}

describe('the token bucket', () => {
  it('allows a burst, then the rate', () => {
    const bucket = new TokenBucket(10, 20, 0)
    let passed = 0
    for (let i = 0; i < 50; i++) if (bucket.take(0)) passed++
    expect(passed).toBe(20)
    expect(bucket.take(50)).toBe(false)
    expect(bucket.take(100)).toBe(true)
    expect(bucket.take(100)).toBe(false)
  })

  it('says when the next token comes, and gives it then', () => {
    const bucket = new TokenBucket(4, 1, 0)
    expect(bucket.readyAt(0)).toBe(0)
    expect(bucket.take(0)).toBe(true)
    expect(bucket.readyAt(0)).toBe(250)
    expect(bucket.take(249)).toBe(false)
    expect(bucket.take(250)).toBe(true)
  })

  it('says the same due time however far into the wait it is asked', () => {
    // 2 a second: the token taken at 0 is back at 500, a quarter of it more every 125 ms
    const bucket = new TokenBucket(2, 1, 0)
    expect(bucket.take(0)).toBe(true)
    expect(bucket.readyAt(125)).toBe(500)
    expect(bucket.readyAt(250)).toBe(500)
    expect(bucket.take(375)).toBe(false)
    expect(bucket.readyAt(375)).toBe(500)
    expect(bucket.take(500)).toBe(true)
  })

  it('says "now" once the token has come, however late it is asked', () => {
    const bucket = new TokenBucket(4, 1, 0)
    expect(bucket.take(0)).toBe(true)
    expect(bucket.readyAt(300)).toBe(300)
    expect(bucket.readyAt(10_000)).toBe(10_000)
  })

  it('says "now" while more than one token is there', () => {
    const bucket = new TokenBucket(10, 20, 1_000)
    expect(bucket.readyAt(1_000)).toBe(1_000)
    for (let i = 0; i < 19; i++) bucket.take(1_000)
    expect(bucket.readyAt(1_000)).toBe(1_000)
    expect(bucket.take(1_000)).toBe(true)
    expect(bucket.readyAt(1_000)).toBe(1_100)
  })

  it('rounds a due time up to the millisecond, never early', () => {
    // 3 a second: a token every 333.3 ms
    const bucket = new TokenBucket(3, 1, 0)
    expect(bucket.take(0)).toBe(true)
    expect(bucket.readyAt(0)).toBe(334)
    expect(bucket.take(333)).toBe(false)
    expect(bucket.take(334)).toBe(true)
  })

  it('says "now" for a token that is there, on a clock set back', () => {
    // the scheduler releases a held publish at once: `take` at that time succeeds
    const bucket = new TokenBucket(1, 1, 10_000)
    expect(bucket.readyAt(0)).toBe(0)
    expect(bucket.take(0)).toBe(true)
    // and the next token is due a second after the latest time the bucket has seen
    expect(bucket.readyAt(0)).toBe(11_000)
  })

  it('gives nothing for a clock set back', () => {
    const bucket = new TokenBucket(1, 1, 10_000)
    expect(bucket.take(10_000)).toBe(true)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(10_999)).toBe(false)
    expect(bucket.take(11_000)).toBe(true)
  })
})

describe('a principal’s limits', () => {
  it('drops QoS 0 telemetry over the rate, then disconnects a flood that goes on', () => {
    const limiter = new PrincipalLimiter(limits, 0)
    const verdicts = Array.from({ length: 60 }, () => limiter.check(false, 0, 0, 0))
    expect(verdicts.slice(0, 20).every((v) => v === 'pass')).toBe(true)
    expect(verdicts.slice(20, 50).every((v) => v === 'drop')).toBe(true)
    expect(verdicts[50]).toBe('flood')
  })

  it('holds QoS 1 telemetry over the rate instead of dropping it', () => {
    const limiter = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 20; i++) expect(limiter.check(false, 1, 0, 0)).toBe('pass')
    expect(limiter.check(false, 1, 0, 0)).toBe('hold')
    expect(limiter.nextAt(0)).toBe(100)
    expect(limiter.release(99)).toBe(false)
    expect(limiter.release(100)).toBe(true)
  })

  it('keeps a device’s order: while anything waits, a new publish waits behind it', () => {
    const limiter = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 20; i++) limiter.check(false, 1, 0, 0)
    expect(limiter.check(false, 1, 0, 0)).toBe('hold')
    // a second later the bucket is full again, but one publish still waits
    expect(limiter.check(false, 1, 1_000, 1)).toBe('hold')
    expect(limiter.check(false, 0, 1_000, 1)).toBe('drop')
  })

  it('disconnects past the most it may hold at once, or when held back too long without a break', () => {
    const many = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 20; i++) many.check(false, 1, 0, 0)
    expect(many.check(false, 1, 0, 99)).toBe('hold')
    expect(many.check(false, 1, 0, 100)).toBe('held_too_many')

    const long = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 20; i++) long.check(false, 1, 0, 0)
    expect(long.check(false, 1, 0, 0)).toBe('hold')
    expect(long.heldTooLong(60_000)).toBe(false)
    expect(long.heldTooLong(60_001)).toBe(true)
    expect(long.check(false, 1, 60_001, 5)).toBe('held_too_long')
    // a backlog that emptied starts its clock again
    long.drained()
    expect(long.heldTooLong(120_000)).toBe(false)
  })

  it('forgives a device that slows down', () => {
    const limiter = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 40; i++) limiter.check(false, 0, 0, 0)
    expect(limiter.check(false, 0, 1_000, 0)).toBe('pass')
    for (let t = 1_000; t < 10_000; t += 100) expect(limiter.check(false, 1, t, 0)).toBe('pass')
  })

  it('never drops or holds an alarm message: past its own burst the connection closes', () => {
    const limiter = new PrincipalLimiter(limits, 0)
    for (let i = 0; i < 100; i++) limiter.check(false, 0, 0, 0)
    const alarms = Array.from({ length: 6 }, () => limiter.check(true, 1, 0, 50))
    expect(alarms).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'alarm_rate'])
  })
})

describe('limits on the gateway’s clock', () => {
  let world: World
  afterEach(async () => {
    await world.stop()
  })

  it('refills a device’s bucket when the gateway’s clock moves, whatever the wall clock does', async () => {
    world = await startWorld({ env: { CARE_MQTT_RATE_PER_S: '1', CARE_MQTT_BURST: '3' } })
    await world.elder('E01')
    const device = await world.device('D01', 'E01')
    const t0 = world.clock.now() - 60_000
    const fix = (i: number) =>
      device.publish('care/v1/dev/D01/loc', { ts: t0 + i * 1000, lat: 37.38, lon: 117.97 }, 0)
    // a weekly test press: its PUBACK comes after every QoS 0 message sent before it was handled
    const barrier = (id: string) => device.publish('care/v1/dev/D01/sos', { id, ts: t0, test: true })
    const stored = async () =>
      ((await world.api('GET', `/api/v1/devices/D01/track?from=${t0 - 1}`)).body as { items: unknown[] })
        .items.length

    for (let i = 0; i < 5; i++) await fix(i)
    await barrier('b1')
    expect(await stored()).toBe(3)
    expect(world.app.surface.metrics.get('care_mqtt_throttled_total')).toBe(2)

    world.clock.set(world.clock.now() + 2_000) // two seconds at one a second: two more
    for (let i = 5; i < 8; i++) await fix(i)
    await barrier('b2')
    expect(await stored()).toBe(5)
    expect(world.app.surface.metrics.get('care_mqtt_throttled_total')).toBe(3)
  })
})

describe('a flooding device in a real gateway', () => {
  let world: World
  afterEach(async () => {
    await world.stop()
  })

  it('drops and counts a QoS 0 flood, then disconnects it, while another device’s SOS goes through', async () => {
    world = await startWorld({ env: { CARE_MQTT_RATE_PER_S: '20', CARE_MQTT_BURST: '50' } })
    await world.elder('E01')
    await world.elder('E02')
    const flooder = await world.device('D01', 'E01')
    const elder = await world.device('D02', 'E02')
    let closed = false
    flooder.client.on('close', () => {
      closed = true
    })
    const t0 = world.clock.now() - 3_600_000
    for (let i = 0; i < 2_000 && !closed; i++) {
      const loc = JSON.stringify({ ts: t0 + i, lat: 37.38, lon: 117.97 })
      flooder.client.publish('care/v1/dev/D01/loc', loc, { qos: 0 })
    }
    await eventually(() => closed, 5_000)
    await elder.publish('care/v1/dev/D02/sos', { id: 's1', ts: world.clock.now() })
    await elder.next((r) => r.message.state === 'received')
    // on a clock that stands still: the burst stored, twice the burst dropped and counted, then the door
    const track = await world.api('GET', `/api/v1/devices/D01/track?from=${t0}`)
    expect((track.body as { items: unknown[] }).items).toHaveLength(50)
    expect(world.app.surface.metrics.get('care_mqtt_throttled_total')).toBe(100)
    expect(world.app.surface.metrics.get('care_mqtt_held_total')).toBe(0)
    expect(world.app.surface.metrics.get('care_mqtt_refused_total', { reason: 'rate_limited' })).toBe(1)
  })
})
