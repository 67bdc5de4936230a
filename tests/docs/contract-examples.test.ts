import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { alarmKinds, timelineTypes } from '../../gateway/alarms/model.ts'
import { actionBody, manualAlarmBody } from '../../gateway/api/routes/alarms.ts'
import { outcomes } from '../../gateway/contract/payloads.ts'
import { carerUplinks, deviceUplinks } from '../../gateway/contract/topics.ts'
import { carerBody, deviceBody, elderBody, userBody } from '../../gateway/registry/schemas.ts'
import { TestClient } from '../support/mqtt.ts'
import { startWorld, type World } from '../support/world.ts'

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'contract.md'), 'utf8')

/** The document's examples: fenced blocks whose info string says `example=name`. */
const examples = new Map<string, Record<string, unknown>>()
for (const m of doc.matchAll(/```json example=([\w-]+)\n([\s\S]*?)```/g)) {
  const [, name, body] = m
  if (name && body) examples.set(name, JSON.parse(body) as Record<string, unknown>)
}

function example(name: string): Record<string, unknown> {
  const e = examples.get(name)
  if (!e) throw new Error(`docs/contract.md has no example=${name}`)
  return structuredClone(e)
}

/** Which schema each inbound example must pass. */
const inbound: Record<string, z.ZodType> = {
  elder: elderBody,
  device: deviceBody,
  carer: carerBody,
  user: userBody,
  sos: deviceUplinks.sos,
  'sos-test': deviceUplinks.sos,
  loc: deviceUplinks.loc,
  event: deviceUplinks.event,
  vitals: deviceUplinks.vitals,
  status: deviceUplinks.status,
  cancel: deviceUplinks.cancel,
  'carer-loc': carerUplinks.loc,
  duty: carerUplinks.duty,
  'reply-accept': carerUplinks.reply,
  'reply-arrive': carerUplinks.reply,
  'reply-resolve': carerUplinks.reply,
  'manual-alarm': manualAlarmBody,
  'action-assign': actionBody,
  'action-resolve': actionBody,
}

describe('docs/contract.md', () => {
  it('has examples that the gateway’s schemas accept', () => {
    for (const [name, schema] of Object.entries(inbound)) {
      const result = schema.safeParse(example(name))
      expect(result.success, `${name}: ${result.error?.message}`).toBe(true)
    }
  })

  it('documents every uplink, kind, timeline entry and outcome', () => {
    for (const leaf of Object.keys(deviceUplinks)) expect(examples.has(leaf), `device ${leaf}`).toBe(true)
    for (const leaf of Object.keys(carerUplinks)) {
      expect(examples.has(leaf) || examples.has(`carer-${leaf}`) || examples.has(`${leaf}-accept`)).toBe(true)
    }
    for (const word of [...alarmKinds, ...timelineTypes, ...outcomes]) expect(doc).toContain(`\`${word}\``)
  })
})

describe('the walkthrough, replayed against a gateway', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world.stop()
  })

  const now = (e: Record<string, unknown>) => ({ ...e, ts: world.clock.now() })

  it('goes from SOS to resolution exactly as written', async () => {
    const put = async (url: string, body: unknown) => {
      const res = await world.api('PUT', url, body)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
    await put('/api/v1/elders/E001', example('elder'))
    await put('/api/v1/devices/D001', example('device'))
    await put('/api/v1/carers/C001', example('carer'))
    await world.api('PUT', '/api/v1/services/S001', { secret: 'service-secret' })
    const service = await TestClient.connect(world.mqttUrl, 'S001', 'service-secret')
    world.clients.push(service)
    await service.subscribe('care/v1/events/#')

    const carer = await TestClient.connect(world.mqttUrl, 'C001', String(example('carer').secret))
    world.clients.push(carer)
    await carer.subscribe('care/v1/carer/C001/task')
    await carer.publish('care/v1/carer/C001/duty', example('duty'))
    await carer.publish('care/v1/carer/C001/loc', now(example('carer-loc')))
    const terminal = await TestClient.connect(world.mqttUrl, 'D001', String(example('device').secret))
    world.clients.push(terminal)
    await terminal.subscribe('care/v1/dev/D001/notify')
    const raisedAt = world.clock.now()
    await terminal.publish('care/v1/dev/D001/sos', now(example('sos')))

    const received = await terminal.next((r) => r.message.state === 'received')
    expect(received.message).toEqual(example('notify-received'))

    const offer = await carer.next((r) => r.message.action === 'offer')
    const documented = example('task-offer')
    expect(Object.keys(offer.message).sort()).toEqual(Object.keys(documented).sort())
    expect(offer.message).toMatchObject({
      alarmId: documented.alarmId,
      action: 'offer',
      expiresAt: raisedAt + 30_000,
      alarm: { ...(documented.alarm as object), raisedAt },
      elder: documented.elder as object,
      etaMin: documented.etaMin,
    })
    expect(Math.abs((offer.message.distanceM as number) - (documented.distanceM as number))).toBeLessThan(5)

    await carer.publish('care/v1/carer/C001/reply', now(example('reply-accept')))
    const assigned = await terminal.next((r) => r.message.state === 'assigned')
    expect(assigned.message).toEqual(example('notify-assigned'))
    const event = await service.next((r) => r.message.type === 'accepted')
    const { at: _at, ...documentedEvent } = example('event-accepted')
    expect(event.message).toEqual({ ...documentedEvent, at: world.clock.now() })

    await carer.publish('care/v1/carer/C001/reply', now(example('reply-arrive')))
    await carer.publish('care/v1/carer/C001/reply', now(example('reply-resolve')))
    const view = await world.api<Record<string, unknown>>('GET', '/api/v1/alarms/A0001')
    expect(view.body).toMatchObject({ state: 'resolved', outcome: 'assisted', carerId: 'C001' })
    expect(view.body.arrivalDistanceM).toBeLessThan(200)
    expect((view.body.timeline as { type: string }[]).map((e) => e.type)).toEqual([
      'raised',
      'notified',
      'offered',
      'accepted',
      'arrived',
      'resolved',
    ])
  })

  it('answers the documented error, then takes the documented actions', async () => {
    const created = await world.api<{ id: string }>('POST', '/api/v1/alarms', example('manual-alarm'))
    expect(created.status).toBe(201)
    const id = created.body.id
    const noOutcome = await world.api('POST', `/api/v1/alarms/${id}/actions`, { action: 'resolve' })
    expect(noOutcome.status).toBe(400)
    expect(noOutcome.body).toEqual(example('error'))
    const assign = await world.api('POST', `/api/v1/alarms/${id}/actions`, example('action-assign'))
    expect(assign.status).toBe(200)
    const resolve = await world.api('POST', `/api/v1/alarms/${id}/actions`, example('action-resolve'))
    expect(resolve.status).toBe(200)
    expect(resolve.body).toMatchObject({ state: 'resolved', outcome: 'false_alarm' })
  })

  it('answers a test press as documented', async () => {
    const terminal = world.clients.find((c) => c.client.options.username === 'D001')
    if (!terminal) throw new Error('no terminal')
    await terminal.publish('care/v1/dev/D001/sos', now(example('sos-test')))
    const ok = await terminal.next((r) => r.message.state === 'test_ok')
    expect(ok.message.text).toBe('测试成功，设备工作正常')
  })
})
