import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Family, parseExposition, sampleValue } from '../support/exposition.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * GET /api/v1/metrics as Prometheus reads it: the strict exposition format, HELP on every family,
 * process and event-loop metrics, the operators' gauges, and the alarm-path histograms moving with an
 * SOS, an accept and an arrival. Prometheus scrapes with the metrics token, which opens nothing else.
 */

const METRICS_TOKEN = 'metrics-scrape-token-0123456789'
let world: World

async function scrape(token = METRICS_TOKEN): Promise<Map<string, Family>> {
  const res = await world.app.surface.inject({
    method: 'GET',
    url: '/api/v1/metrics',
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseExposition(res.body)
}

const count = (f: Map<string, Family>, family: string, labels: Record<string, string>) =>
  sampleValue(f, family, `${family}_count`, labels) ?? 0
const sum = (f: Map<string, Family>, family: string, labels: Record<string, string>) =>
  sampleValue(f, family, `${family}_sum`, labels) ?? 0

beforeAll(async () => {
  world = await startWorld({ env: { CARE_METRICS_TOKEN: METRICS_TOKEN } })
  await world.elder('E01')
})
afterAll(async () => {
  await world?.stop()
})

describe('GET /api/v1/metrics', () => {
  it('is valid exposition text: every family typed and described, histograms cumulative', async () => {
    const families = await scrape()
    expect(families.size).toBeGreaterThan(20)
    for (const family of families.values()) expect(family.help, family.name).toBeTruthy()
    // process and event-loop metrics of this process
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(families.has(name), name).toBe(true)
    }
    expect(families.get('care_mqtt_refused_total')).toMatchObject({ type: 'counter' })
    expect(families.get('care_mqtt_refused_total')?.help).toContain('refused')
  })

  it('has the operators’ gauges: connections, open alarms by state, carers on duty', async () => {
    const before = await scrape()
    const connected = sampleValue(before, 'care_mqtt_connections', 'care_mqtt_connections') ?? -1
    expect(sampleValue(before, 'care_carers_on_duty', 'care_carers_on_duty')).toBe(0)
    await world.carer('C90', offset(HOME, 20_000, 0)) // connects and goes on duty, far from anyone
    const after = await scrape()
    expect(sampleValue(after, 'care_mqtt_connections', 'care_mqtt_connections')).toBe(connected + 1)
    expect(sampleValue(after, 'care_carers_on_duty', 'care_carers_on_duty')).toBe(1)
    for (const state of ['open', 'offered', 'accepted', 'arrived']) {
      expect(sampleValue(after, 'care_alarms_open', 'care_alarms_open', { state }), state).toBe(
        world.app.surface.metrics.get('care_alarms_open', { state }),
      )
    }
    expect(after.get('care_alarms_open')?.type).toBe('gauge')
  })

  it('times an SOS to its PUBACK, its first offer, the accept and the arrival', async () => {
    const device = await world.device('D01', 'E01')
    const carer = await world.carer('C01', offset(HOME, 300, 0))
    const before = await scrape()
    const sos = { kind: 'sos' }

    await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: world.clock.now() }) // resolves on PUBACK
    const offer = await carer.next((r) => r.message.action === 'offer')
    const alarmId = String(offer.message.alarmId)
    await world.scheduler.advance(40_000)
    await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    const accepted = await scrape()
    await world.scheduler.advance(7 * 60_000)
    await carer.publish('care/v1/carer/C01/reply', {
      alarmId,
      action: 'arrive',
      ts: world.clock.now(),
      ...HOME,
    })
    const arrived = await scrape()

    const ack = { topic: 'sos' }
    expect(count(accepted, 'care_mqtt_store_ack_seconds', ack)).toBe(
      count(before, 'care_mqtt_store_ack_seconds', ack) + 1,
    )
    expect(sum(accepted, 'care_mqtt_store_ack_seconds', ack)).toBeGreaterThan(0)
    expect(count(accepted, 'care_alarm_first_offer_seconds', sos)).toBe(
      count(before, 'care_alarm_first_offer_seconds', sos) + 1,
    )
    // the dispatch intervals come from the alarm's recorded times on the gateway's (manual) clock
    expect(count(accepted, 'care_offer_accept_seconds', sos)).toBe(
      count(before, 'care_offer_accept_seconds', sos) + 1,
    )
    expect(
      sum(accepted, 'care_offer_accept_seconds', sos) - sum(before, 'care_offer_accept_seconds', sos),
    ).toBe(40)
    expect(count(arrived, 'care_accept_arrive_seconds', sos)).toBe(
      count(before, 'care_accept_arrive_seconds', sos) + 1,
    )
    expect(
      sum(arrived, 'care_accept_arrive_seconds', sos) - sum(before, 'care_accept_arrive_seconds', sos),
    ).toBe(420)
    // 40 s lands in the le=60 bucket and above, not in le=30
    expect(
      sampleValue(accepted, 'care_offer_accept_seconds', 'care_offer_accept_seconds_bucket', {
        ...sos,
        le: '30',
      }),
    ).toBe(
      sampleValue(before, 'care_offer_accept_seconds', 'care_offer_accept_seconds_bucket', {
        ...sos,
        le: '30',
      }) ?? 0,
    )
    expect(sampleValue(arrived, 'care_alarms_open', 'care_alarms_open', { state: 'arrived' })).toBe(1)
    // counters keep their series and read the same through the code's API
    expect(sampleValue(arrived, 'care_uplinks_total', 'care_uplinks_total', { topic: 'sos' })).toBe(
      world.app.surface.metrics.get('care_uplinks_total', { topic: 'sos' }),
    )
  })

  it('lets an admin scrape too, and refuses anyone else', async () => {
    expect((await scrape(ADMIN_TOKEN)).size).toBeGreaterThan(0)
    const anonymous = await world.app.surface.inject({ method: 'GET', url: '/api/v1/metrics' })
    expect(anonymous.statusCode).toBe(401)
    await world.api('PUT', '/api/v1/users/sup', { role: 'supervisor', password: 'password-sup-1' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'sup',
      password: 'password-sup-1',
    })
    expect((await world.api('GET', '/api/v1/metrics', undefined, login.body.token)).status).toBe(403)
    expect((await world.api('GET', '/api/v1/metrics', undefined, 'not-the-metrics-token-0000')).status).toBe(
      401,
    )
  })

  it('opens nothing but /metrics with the metrics token', async () => {
    for (const url of ['/api/v1/alarms', '/api/v1/elders', '/api/v1/stats', '/api/v1/audit']) {
      expect((await world.api('GET', url, undefined, METRICS_TOKEN)).status, url).toBe(401)
    }
  })

  it('keeps each gateway’s registry its own when several run in one process', async () => {
    const other = await startWorld()
    try {
      await other.elder('E01')
      const device = await other.device('D01', 'E01')
      await device.publish('care/v1/dev/D01/status', { online: true })
      const res = await other.app.surface.inject({
        method: 'GET',
        url: '/api/v1/metrics',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      const theirs = parseExposition(res.body)
      const ours = await scrape()
      expect(sampleValue(theirs, 'care_uplinks_total', 'care_uplinks_total', { topic: 'status' })).toBe(1)
      expect(
        sampleValue(ours, 'care_uplinks_total', 'care_uplinks_total', { topic: 'status' }),
      ).toBeUndefined()
      expect(sampleValue(theirs, 'care_mqtt_connections', 'care_mqtt_connections')).toBe(1)
    } finally {
      await other.stop()
    }
  })
})
