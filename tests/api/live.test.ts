import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LiveHub, type LiveSubscriber } from '../../gateway/live/hub.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { eventually } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'

interface Frame {
  type: string
  seq: number
  alarms?: { id: string }[]
  alarm?: { id: string; state: string }
  entry?: { type: string }
}

class LiveClient {
  readonly frames: Frame[] = []
  readonly ws: WebSocket
  closed: { code: number; reason: string } | undefined
  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame))
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
    })
  }
  static open(world: World, query: string): Promise<LiveClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${world.app.httpPort}/api/v1/live?${query}`)
    const client = new LiveClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('error', reject)
    })
  }
  get lastSeq(): number {
    return Math.max(0, ...this.frames.map((f) => f.seq))
  }
  close(): void {
    this.ws.close()
  }
}

/** Presses SOS on the device; the alarm named by the `received` this press brings (a repeat names the open one). */
async function sos(world: World, deviceId: string, msgId: string): Promise<string> {
  const device = world.clients.find((c) => c.client.options.username === deviceId)
  if (!device) throw new Error('no device')
  const before = device.received.length
  await device.publish(`care/v1/dev/${deviceId}/sos`, { id: msgId, ts: world.clock.now() })
  const received = await device.next(
    (r) => device.received.indexOf(r) >= before && r.message.state === 'received',
    5_000,
    `received for ${msgId}`,
  )
  return String(received.message.alarmId)
}

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => {
  await world.stop()
})

describe('GET /live', () => {
  it('sends a snapshot, then every change in order', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const before = await sos(world, 'D01', 'm0')
    const live = await LiveClient.open(world, `token=${ADMIN_TOKEN}`)
    await eventually(() => live.frames.length >= 1)
    expect(live.frames[0]).toMatchObject({
      type: 'snapshot',
      at: world.clock.now(), // the gateway's clock, which ages on the board are timed from
      alarms: [expect.objectContaining({ id: before })],
    })
    await world.carer('C01', offset(HOME, 300, 0))
    await world.elder('E02')
    await world.device('D02', 'E02')
    const id = await sos(world, 'D02', 'm1')
    await eventually(() => live.frames.some((f) => f.alarm?.id === id && f.entry?.type === 'offered'))
    const seqs = live.frames.slice(1).map((f) => f.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(seqs[0]).toBe((live.frames[0]?.seq ?? 0) + 1)
    const types = live.frames.filter((f) => f.alarm?.id === id).map((f) => f.entry?.type)
    expect(types).toEqual(['raised', 'notified', 'offered'])
    live.close()
  })

  it('resumes after the last sequence number a client saw', async () => {
    await world.elder('E01')
    await world.device('D01', 'E01')
    const first = await LiveClient.open(world, `token=${ADMIN_TOKEN}`)
    await sos(world, 'D01', 'm1')
    await eventually(() => first.frames.length >= 3)
    const seen = first.lastSeq
    first.close()
    await world.api('POST', '/api/v1/alarms', { elderId: 'E01', kind: 'manual', note: '来电' })
    const again = await LiveClient.open(world, `token=${ADMIN_TOKEN}&since=${seen}`)
    await eventually(() => again.frames.length >= 2)
    expect(again.frames[0]?.type).toBe('alarm')
    expect(again.frames[0]?.seq).toBe(seen + 1)
    again.close()
  })

  it('shows a scoped supervisor their own grid and nothing outside it', async () => {
    await world.api('PUT', '/api/v1/users/sup', {
      role: 'supervisor',
      password: 'long-enough-pass',
      grid: ['Other St'],
    })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'sup',
      password: 'long-enough-pass',
    })
    await world.elder('E01')
    await world.device('D01', 'E01')
    await world.elder('E09', { grid: ['Other St', 'Xicun', 'G01'] })
    await world.device('D09', 'E09')
    await world.carer('C01', offset(HOME, 300, 0))
    const outside = await sos(world, 'D01', 'x1')
    const inside = await sos(world, 'D09', 'y1')
    const live = await LiveClient.open(world, `token=${login.body.token}`)
    const admin = await LiveClient.open(world, `token=${ADMIN_TOKEN}`)
    await eventually(() => live.frames.length >= 1 && admin.frames.length >= 1, 3_000, 'both snapshots')
    // the snapshot: the supervisor's own grid's alarm, and no carer (carers belong to no grid) …
    expect(live.frames[0]).toMatchObject({ type: 'snapshot', alarms: [{ id: inside }], carers: [] })
    // … where the admin's holds both alarms and the carer
    const adminSnapshot = admin.frames[0] as Frame & { carers: { id: string }[] }
    expect(adminSnapshot.alarms?.map((a) => a.id).sort()).toEqual([inside, outside].sort())
    expect(adminSnapshot.carers.map((c) => c.id)).toEqual(['C01'])

    // outside the scope: the elder presses again (noted on the open alarm, and heard), the hotline opens one
    expect(await sos(world, 'D01', 'x2')).toBe(outside)
    const manual = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
    expect(manual.status).toBe(201)
    await eventually(
      () =>
        admin.frames.some((f) => f.alarm?.id === outside && f.entry?.type === 'note') &&
        admin.frames.some((f) => f.alarm?.id === manual.body.id && f.entry?.type === 'raised'),
      3_000,
      'the admin hearing the repeat and the manual alarm',
    )
    // then one inside it: the supervisor hears it, and, on the same socket, only after all of the above
    const marker = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E09' })
    expect(marker.status).toBe(201)
    await eventually(
      () => live.frames.some((f) => f.alarm?.id === marker.body.id && f.entry?.type === 'raised'),
      3_000,
      'the supervisor hearing the alarm in their grid',
    )
    const heard = live.frames.slice(1)
    expect(heard.length).toBeGreaterThan(0)
    expect(heard.filter((f) => f.alarm?.id !== marker.body.id)).toEqual([])
    expect(live.closed).toBeUndefined()
    live.close()
    admin.close()
  })

  it('refuses a connection without a valid token', async () => {
    await expect(LiveClient.open(world, 'token=nope')).rejects.toThrow(/401/)
  })

  it('refuses a query its schema does not allow with 400, before the upgrade', async () => {
    await expect(LiveClient.open(world, `token=${ADMIN_TOKEN}&since=soon`)).rejects.toThrow(/400/)
    await expect(LiveClient.open(world, `token=${ADMIN_TOKEN}&board=1`)).rejects.toThrow(/400/)
  })

  it('drops a client that stops reading while the others go on', async () => {
    const slow = await LiveClient.open(world, `token=${ADMIN_TOKEN}`)
    const fast = await LiveClient.open(world, `token=${ADMIN_TOKEN}`)
    await eventually(() => slow.frames.length === 1 && fast.frames.length === 1)
    // the slow client's socket stops reading: the kernel buffers fill, then the gateway's
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    await world.carer('C01', offset(HOME, 300, 0))
    const profile = world.app.surface.carer('C01')
    if (!profile) throw new Error('no carer')
    const padded = { ...profile, name: 'x'.repeat(4_000) }
    for (let i = 0; i < 4_000 && world.app.surface.live.dropped === 0; i++) {
      world.app.surface.live.carer(padded)
      if (i % 200 === 0) await new Promise((r) => setImmediate(r))
    }
    expect(world.app.surface.live.dropped).toBe(1)
    expect(world.app.surface.metrics.get('care_live_dropped_total')).toBe(1)
    await eventually(() => fast.frames.length > 100, 10_000)
    expect(world.app.surface.live.subscribers).toBe(1)
    fast.close()
    slow.ws.terminate()
  })
})

describe('the live hub', () => {
  it('forgets what fell out of its ring, so a stale resume gets a snapshot', () => {
    const hub = new LiveHub(new ManualClock(), 3)
    const carer = {
      id: 'C01',
      name: 'x',
      phone: '',
      duty: 'on' as const,
      busy: false,
      mode: 'walk' as const,
      alarmsToday: 0,
    }
    for (let i = 0; i < 5; i++) hub.carer(carer)
    expect(hub.since(1, { role: 'admin' })).toBeUndefined()
    expect(hub.since(2, { role: 'admin' })).toHaveLength(3)
    expect(hub.since(4, { role: 'admin' })).toHaveLength(1)
    expect(hub.since(9, { role: 'admin' })).toBeUndefined()
  })

  it('drops a subscriber whose send says it is too slow', () => {
    const hub = new LiveHub(new ManualClock())
    const drops: string[] = []
    const slow: LiveSubscriber = { viewer: { role: 'admin' }, send: () => false, drop: (r) => drops.push(r) }
    const got: string[] = []
    const ok: LiveSubscriber = {
      viewer: { role: 'admin' },
      send: (j) => got.push(j) > 0,
      drop: () => undefined,
    }
    hub.subscribe(slow)
    hub.subscribe(ok)
    const carer = {
      id: 'C01',
      name: 'x',
      phone: '',
      duty: 'on' as const,
      busy: false,
      mode: 'walk' as const,
      alarmsToday: 0,
    }
    hub.carer(carer)
    hub.carer(carer)
    expect(drops).toEqual(['too slow'])
    expect(got).toHaveLength(2)
    expect(hub.subscribers).toBe(1)
  })
})
