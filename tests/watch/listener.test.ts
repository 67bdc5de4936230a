import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../../kernel/observe/log.ts'
import { eventually } from '../support/mqtt.ts'
import { TestWatch } from '../support/watch.ts'
import { startWorld, type World } from '../support/world.ts'
import { frame, IMEI, position, WATCH_ID } from './frames.ts'

/** The watch listener's connections over real TCP: who may talk, what is refused, what goes down. */

let world: World
const watches: TestWatch[] = []
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.end()))
  await world?.stop()
})

async function start(env: Record<string, string> = {}, log?: Logger): Promise<void> {
  world = await startWorld({ env: { CARE_WATCH_PORT: '0', ...env }, ...(log ? { log } : {}) })
  await world.elder('E01', {
    contacts: [
      { name: '子女', relation: 'son', phone: '139-0000-0001' },
      { name: '邻居', phone: '+86 139 0000 0002' },
    ],
  })
  await register(WATCH_ID)
}

async function register(id: string, kind = 'watch'): Promise<void> {
  const put = await world.api('PUT', `/api/v1/devices/${id}`, {
    kind,
    elderId: 'E01',
    secret: 'unused-secret',
  })
  expect(put.status).toBeLessThan(300)
}

async function connect(): Promise<TestWatch> {
  const port = world.app.surface.ports.watch
  if (port === undefined) throw new Error('no watch listener')
  const watch = await TestWatch.connect(port)
  watches.push(watch)
  return watch
}

async function roundTrip(watch: TestWatch, o: Parameters<typeof frame>[1] = {}): Promise<void> {
  const before = watch.of('LK').length
  watch.write(frame('LK', o))
  await watch.nth('LK', before)
}

const metric = (name: string, labels?: Record<string, string>) => world.app.surface.metrics.get(name, labels)

describe('who may talk', () => {
  it('refuses an unknown id, counts every attempt, and logs it once a minute', async () => {
    await start()
    for (let i = 0; i < 3; i++) {
      const stranger = await connect()
      stranger.write(frame('LK', { id: IMEI }))
      await stranger.closed
    }
    expect(metric('care_watch_refused_total', { reason: 'unknown_device' })).toBe(3)
    const audited = () =>
      world.db().prepare("SELECT detail FROM audit WHERE action = 'watch.unknown_device'").all() as {
        detail: string
      }[]
    expect(audited()).toHaveLength(1)
    await world.scheduler.advance(60_000)
    // the window's closing row: how many followed the first
    expect(audited().map((r) => JSON.parse(r.detail).count)).toEqual([1, 2])
  })

  it('refuses a registered device that is not a watch', async () => {
    await start()
    await register('8600000099', 'phone')
    const phone = await connect()
    phone.write(frame('LK', { id: '8600000099' }))
    await phone.closed
    expect(metric('care_watch_refused_total', { reason: 'unknown_device' })).toBe(1)
  })

  it('keeps one connection per watch: the newer wins, and the device stays online', async () => {
    await start()
    const first = await connect()
    await roundTrip(first)
    const second = await connect()
    await roundTrip(second)
    await first.closed
    expect(metric('care_watch_closed_total', { reason: 'replaced' })).toBe(1)
    await roundTrip(second)
    const device = await world.api<{ online?: boolean }>('GET', `/api/v1/devices/${WATCH_ID}`)
    expect(device.body.online).toBe(true)
  })

  it('closes a socket that names no device in time', async () => {
    await start()
    const silent = await connect()
    await eventually(() => world.app.surface.watches().sockets === 1, 5_000, 'the socket accepted')
    await world.scheduler.advance(5_000)
    await silent.closed
    expect(metric('care_watch_closed_total', { reason: 'login_timeout' })).toBe(1)
  })

  it('closes a watch silent past CARE_WATCH_IDLE_S, and the device goes offline', async () => {
    await start({ CARE_WATCH_IDLE_S: '600' })
    const watch = await connect()
    await roundTrip(watch)
    await world.scheduler.advance(300_000)
    await roundTrip(watch)
    // the deadline moves with each frame: 600 s after the last one, not the first
    await world.scheduler.advance(400_000)
    expect(watch.isClosed).toBe(false)
    await roundTrip(watch)
    await world.scheduler.advance(600_000)
    await watch.closed
    await eventually(
      () => world.db().prepare('SELECT online FROM devices WHERE id = ?').get(WATCH_ID)?.online === 0,
      5_000,
      'offline',
    )
  })

  it('leaves a watch online when the gateway itself stops: the watch connects again after the restart', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    })
    await start({}, createLogger('warn', sink))
    const watch = await connect()
    await roundTrip(watch)
    const dataDir = world.dataDir
    await world.app.stop()
    await watch.closed
    world = await startWorld({ dataDir, env: { CARE_WATCH_PORT: '0' }, idPrefix: 'R' })
    const device = await world.api<{ online?: boolean }>('GET', `/api/v1/devices/${WATCH_ID}`)
    expect(device.body.online).toBe(true)
    // nor was its going offline attempted as the store closed
    expect(lines.join('')).not.toContain('watch offline status not stored')
  })
})

describe('what is refused on a healthy connection', () => {
  it('drops bad frames and half frames, counted, and answers the good ones', async () => {
    await start()
    const watch = await connect()
    await roundTrip(watch)
    watch.write(
      '[3G*8600000001*0002*',
      '[X*junk]',
      frame(position('UD', { at: world.clock.now(), lat: 95 })),
      'noise between frames',
    )
    await roundTrip(watch)
    expect(metric('care_watch_bad_frames_total', { reason: 'half_frame' })).toBe(1)
    expect(metric('care_watch_bad_frames_total', { reason: 'bad_maker' })).toBe(1)
    expect(metric('care_watch_bad_frames_total', { reason: 'bad_coordinates' })).toBe(1)
    expect(metric('care_watch_garbage_bytes_total')).toBe('noise between frames'.length)
    expect(watch.isClosed).toBe(false)
  })

  it('puts together a frame that comes in three TCP writes, and takes several frames in one', async () => {
    await start()
    const watch = await connect()
    const lk = frame('LK,100,0,88')
    for (const part of [lk.subarray(0, 6), lk.subarray(6, 20), lk.subarray(20)]) {
      watch.write(part)
      await new Promise((r) => setTimeout(r, 10))
    }
    await watch.nth('LK', 0)
    watch.write(Buffer.concat([frame('TKQ'), frame('TKQ2'), frame('LK')]))
    await watch.nth('LK', 1)
    expect(watch.received.map((f) => f.type).filter((t) => t.startsWith('TKQ'))).toEqual(['TKQ', 'TKQ2'])
  })

  it('refuses a frame over 64 KB without buffering it, and carries on', async () => {
    await start()
    const watch = await connect()
    await roundTrip(watch)
    watch.write(frame(`TK,${'x'.repeat(70_000)}`))
    await roundTrip(watch)
    expect(metric('care_watch_bad_frames_total', { reason: 'too_large' })).toBe(1)
  })

  it('takes another device’s frame on a watch’s connection for a bad frame', async () => {
    await start()
    await register(IMEI)
    const watch = await connect()
    await roundTrip(watch)
    watch.write(frame(position('AL', { at: world.clock.now() }), { id: IMEI }))
    await roundTrip(watch)
    expect(metric('care_watch_bad_frames_total', { reason: 'other_device' })).toBe(1)
    expect(world.db().prepare('SELECT count(*) AS n FROM alarms').get()?.n).toBe(0)
  })

  it('closes a connection that sends only garbage', async () => {
    await start()
    const junk = await connect()
    junk.write(Buffer.alloc(5_000, 0x41))
    await junk.closed
    expect(metric('care_watch_closed_total', { reason: 'garbage' })).toBe(1)
    const frames = await connect()
    frames.write(...Array.from({ length: 20 }, () => '[ZZ]'))
    await frames.closed
    expect(metric('care_watch_closed_total', { reason: 'garbage' })).toBe(2)
  })
})

describe('what goes down', () => {
  it('gives a new watch its interval and SOS numbers from the registry, once', async () => {
    await start()
    const watch = await connect()
    await roundTrip(watch)
    expect((await watch.next((f) => f.type === 'UPLOAD')).fields).toEqual(['300'])
    const sos = await Promise.all(['SOS1', 'SOS2', 'SOS3'].map((t) => watch.next((f) => f.type === t)))
    expect(sos.map((f) => f.fields[0])).toEqual(['13900000001', '+8613900000002', ''])
    await watch.end()
    // heard before: a reconnect gets nothing (the heartbeat's answer comes after where setup would be)
    const again = await connect()
    await roundTrip(again)
    await roundTrip(again)
    expect(again.of('UPLOAD')).toEqual([])
  })

  it('carries the board’s commands to a connected watch, in its own dialect', async () => {
    await start()
    const watch = await connect()
    await roundTrip(watch, { maker: 'ZJ', index: '0007' })
    const send = (body: unknown) => world.api('POST', `/api/v1/devices/${WATCH_ID}/commands`, body)
    expect((await send({ command: 'locate' })).status).toBe(202)
    const cr = await watch.next((f) => f.type === 'CR')
    expect(cr.raw).toBe(`ZJ*${WATCH_ID}*0007*0002*CR`)
    expect((await send({ command: 'interval', seconds: 120 })).status).toBe(202)
    expect((await watch.nth('UPLOAD', 1)).fields).toEqual(['120'])
    expect((await send({ command: 'sos_numbers', numbers: ['12349'] })).status).toBe(202)
    expect((await watch.nth('SOS1', 1)).fields).toEqual(['12349'])
    // the watch answers with the command's type
    watch.write(frame('CR', { maker: 'ZJ', index: '0008' }))
    await roundTrip(watch, { maker: 'ZJ', index: '0009' })
    expect(metric('care_watch_answers_total')).toBe(1)
    const audit = world.db().prepare("SELECT count(*) AS n FROM audit WHERE action = 'device.command'").get()
    expect(audit?.n).toBe(3)
  })

  it('answers 409 for a watch not connected and 404 for no device; a bad command is 400', async () => {
    await start()
    await register(IMEI)
    const post = (id: string, body: unknown) => world.api('POST', `/api/v1/devices/${id}/commands`, body)
    expect(await post(IMEI, { command: 'locate' })).toMatchObject({
      status: 409,
      body: { error: { code: 'DEVICE_NOT_CONNECTED' } },
    })
    expect((await post('nobody-here', { command: 'locate' })).status).toBe(404)
    expect((await post(IMEI, { command: 'interval', seconds: 1 })).status).toBe(400)
    expect((await post(IMEI, { command: 'power_off' })).status).toBe(400)
  })
})
