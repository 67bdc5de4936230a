import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { eventually } from '../support/mqtt.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'
import { Recorder } from './recorder.ts'

// One gateway with the embedded Node-RED for the whole file: Node-RED starts in seconds, not ms.
let world: World
const recorder = new Recorder()
let flowsUpMs = 0

beforeAll(async () => {
  await recorder.start()
  const t0 = performance.now()
  // the flows' settings come from the process environment (gateway/flows/config.ts); each test
  // file runs in a process of its own
  Object.assign(process.env, {
    CARE_FLOWS_SMS_URL: recorder.url('/sms/send'),
    CARE_FLOWS_SMS_TEMPLATE: '{"to":"{{phone}}","content":"{{text}}","ref":"{{alarmId}}"}',
    CARE_FLOWS_SMS_BACKOFF_MS: '20',
    CARE_FLOWS_HOTLINE_URL: recorder.url('/hotline/12349'),
    CARE_FLOWS_REPORT_URL: recorder.url('/report'),
  })
  world = await startWorld({ env: { CARE_FLOWS: 'on' } })
  await world.app.surface.flows.ready
  flowsUpMs = performance.now() - t0
  expect((await world.app.surface.health()).flows.status).toBe('up')
  // the care nodes log in to the broker as the flows' service principal
  await eventually(() => world.app.surface.connections() >= 1, 10_000, 'node-red connected')
}, 60_000)

afterAll(async () => {
  await world?.stop()
  await recorder.stop()
})

const sms = (alarmId: string) =>
  recorder.at('/sms').filter((r) => (r.json as { ref?: string } | undefined)?.ref === alarmId)
const timeline = async (alarmId: string) => {
  const view = await world.api<{ timeline: { type: string; actor?: string; note?: string }[] }>(
    'GET',
    `/api/v1/alarms/${alarmId}`,
  )
  return view.body.timeline
}
const flowNotes = async (alarmId: string) =>
  (await timeline(alarmId))
    .filter((e) => e.type === 'note' && e.actor === 'node-red')
    .map((e) => e.note ?? '')

describe('embedded Node-RED', () => {
  it('comes up after the gateway, and health shows it', async () => {
    const health = await world.api<{ flows: { status: string; errors: number } }>('GET', '/api/v1/health')
    expect(health.body.flows).toMatchObject({ status: 'up' })
    console.warn(
      `flows up ${Math.round(flowsUpMs)} ms after startWorld (flows start ${world.app.surface.flows.startedMs} ms)`,
    )
  })

  it('refuses /flows and its admin API without an admin token', async () => {
    const inject = (url: string, token?: string, method: 'GET' | 'POST' = 'GET') =>
      flowsRequest(url, { method, ...(token ? { token } : {}) })
    expect((await inject('/flows/')).status).toBe(401)
    expect((await inject('/flows/flows')).status).toBe(401)
    expect((await inject('/flows/inject/rep.run', undefined, 'POST')).status).toBe(401)
    expect((await inject('/flows/flows', 'not-a-token')).status).toBe(401)
    await world.api('PUT', '/api/v1/users/disp', { password: 'dispatcher-pass-1', role: 'dispatcher' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'disp',
      password: 'dispatcher-pass-1',
    })
    expect((await inject('/flows/flows', login.body.token)).status).toBe(403)
    const admin = await inject('/flows/flows', ADMIN_TOKEN)
    expect(admin.status).toBe(200)
    expect(await admin.text()).toContain('care alarm in')
    // a browser: ?token= once, then the cookie
    const entry = await inject(`/flows/?token=${ADMIN_TOKEN}`)
    expect(entry.status).toBe(303)
    const cookie = (entry.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const editor = await flowsRequest('/flows/', { cookie })
    expect(editor.status).toBe(200)
    expect(await editor.text()).toContain('<html')
    // the editor's WebSocket passes the same gate
    expect(await upgrade('/flows/comms')).toBe(401)
    expect(await upgrade('/flows/comms', { authorization: `Bearer ${login.body.token}` })).toBe(403)
    expect(await upgrade('/flows/comms', { cookie })).toBe('open')
  })

  it('texts the family on an SOS, on accept and on resolve, and notes each send', async () => {
    await world.elder('E01', {
      name: '王秀英',
      contacts: [
        { name: '李明', relation: '儿子', phone: '13905431234' },
        { name: '李华', relation: '女儿', phone: '13905435678' },
      ],
    })
    const device = await world.device('D01', 'E01')
    const carer = await world.carer('C01', offset(HOME, 300, 0), { name: '张护理' })
    // the SMS provider hangs at first, then is down for two requests
    recorder.holdSms = true
    recorder.failSms = 2
    await device.publish('care/v1/dev/D01/sos', {
      id: 'm1',
      ts: world.clock.now(),
      lat: HOME.lat,
      lon: HOME.lon,
    })
    // dispatch does not wait for the family's SMS: the offer goes out while the provider hangs
    const offer = await carer.next((r) => r.message.action === 'offer')
    const alarmId = offer.message.alarmId as string
    recorder.releaseSms()

    await eventually(() => sms(alarmId).filter((r) => r.body.length > 0).length >= 4, 10_000, 'raised SMS')
    const raised = sms(alarmId)
    expect(new Set(raised.map((r) => (r.json as { to: string }).to))).toEqual(
      new Set(['13905431234', '13905435678']),
    )
    for (const r of raised) {
      expect(r.method).toBe('POST')
      expect((r.json as { content: string }).content).toMatch(/^【居家养老】您的家人王秀英于.+发起一键呼叫/)
    }
    // two refused, retried with backoff, then both sent
    expect(raised).toHaveLength(4)
    expect(recorder.failSms).toBe(0)

    await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
    await eventually(() => sms(alarmId).length >= 6, 10_000, 'accepted SMS')
    const accepted = sms(alarmId).slice(4)
    for (const r of accepted) {
      expect((r.json as { content: string }).content).toMatch(
        /^【居家养老】护理员张护理已接单，预计\d+分钟到达王秀英家中。$/,
      )
    }

    const resolve = await world.api('POST', `/api/v1/alarms/${alarmId}/actions`, {
      action: 'resolve',
      outcome: 'assisted',
      note: '老人滑倒，无外伤',
    })
    expect(resolve.status).toBe(200)
    await eventually(() => sms(alarmId).length >= 8, 10_000, 'resolved SMS')
    for (const r of sms(alarmId).slice(6)) {
      expect((r.json as { content: string }).content).toBe(
        '【居家养老】王秀英的求助已处理完毕：已现场处置。老人滑倒，无外伤。',
      )
    }

    await eventuallyAsync(async () => (await flowNotes(alarmId)).length >= 6, 'notes on the timeline')
    const notes = await flowNotes(alarmId)
    expect(notes.filter((n) => n.startsWith('已短信通知家属 139****1234'))).toHaveLength(3)
    expect(notes.filter((n) => n.startsWith('已短信通知家属 139****5678'))).toHaveLength(3)
    expect((await world.app.surface.health()).flows.errors).toBe(0)
  }, 30_000)

  it('hands an escalated alarm to the 12349 hotline with the elder file, and notes the answer', async () => {
    // far from every carer: nobody can go, so the alarm is escalated at once
    await world.elder('E02', {
      name: '赵桂兰',
      home: offset(HOME, 30_000, 0),
      notes: '独居，高血压',
      contacts: [{ name: '赵强', relation: '儿子', phone: '13600001111' }],
    })
    const raised = await world.api<{ id: string }>('POST', '/api/v1/alarms', {
      elderId: 'E02',
      note: '12349来电：老人称头晕',
    })
    expect(raised.status).toBe(201)
    const alarmId = raised.body.id
    await eventually(() => recorder.at('/hotline').length >= 1, 10_000, 'hotline webhook')
    const call = recorder.at('/hotline')[0]
    expect(call?.json).toMatchObject({
      alarmId,
      kind: 'manual',
      priority: 1,
      elder: {
        id: 'E02',
        name: '赵桂兰',
        phone: '13800000000',
        notes: '独居，高血压',
        contacts: [{ name: '赵强', phone: '13600001111' }],
      },
    })
    await eventuallyAsync(
      async () => (await flowNotes(alarmId)).some((n) => n === '已转12349热线：工单号 RX-0001'),
      'hotline answer noted',
    )
  }, 20_000)

  it('counts a failing flow in health, notes the failure, and keeps dispatching', async () => {
    const errors = (await world.app.surface.health()).flows.errors ?? 0
    recorder.failHotline = 1
    await world.elder('E03', { home: offset(HOME, -30_000, 0) })
    const raised = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E03', priority: 2 })
    await eventuallyAsync(
      async () => (await flowNotes(raised.body.id)).includes('转12349热线失败（500）'),
      'failure noted',
    )
    expect((await world.app.surface.health()).flows.errors).toBe(errors + 1)
    const health = await world.api<{ flows: { errors: number } }>('GET', '/api/v1/health')
    expect(health.body.flows.errors).toBe(errors + 1)
  }, 20_000)

  it('posts yesterday’s KPIs per street and writes them as CSV when the report is run', async () => {
    // a visit due today too, so that the report's visit figures have one to count
    const ahead = await world.api<{ items: { id: string }[] }>('GET', '/api/v1/visits?elderId=E01&status=due')
    const today = new Date(world.clock.now()).toLocaleDateString('sv')
    await world.api('PATCH', `/api/v1/visits/${ahead.body.items[0]?.id}`, { dueDay: today })
    // yesterday (by the gateway's clock) holds the two alarms above; move to the next morning
    world.clock.set(world.clock.now() + 24 * 3_600_000)
    const before = recorder.at('/report').length
    const run = await flowsRequest('/flows/inject/rep.run', { method: 'POST', token: ADMIN_TOKEN })
    expect(run.status).toBe(200)
    await eventually(() => recorder.at('/report').length > before, 10_000, 'report posted')
    const report = recorder.at('/report')[before]?.json as {
      day: string
      streets: { street: string; alarms: number; completedRate: number | null; escalated: number }[]
      total: { alarms: number; visitsDue: number; visitsDone: number; visitsMissed: number }
      stations: unknown[]
    }
    const stats = await world.api<{
      totals: { alarms: number }
      visits: { totals: { due: number; onTime: number; late: number; missed: number } }
    }>(
      'GET',
      `/api/v1/stats?from=${startOfDay(world.clock.now()) - 86_400_000}&to=${startOfDay(world.clock.now())}`,
    )
    // three alarms yesterday: one resolved, two escalated (nobody within reach of E02 and E03)
    expect(stats.body.totals.alarms).toBe(3)
    expect(report.total.alarms).toBe(3)
    // and the day's visits, as GET /stats counts them for the same day (docs/visits.md)
    const v = stats.body.visits.totals
    expect(v.due).toBeGreaterThan(0)
    expect(report.total).toMatchObject({
      visitsDue: v.due,
      visitsDone: v.onTime + v.late,
      visitsMissed: v.missed,
    })
    expect(report.stations).toEqual([])
    expect(report.streets).toEqual([
      expect.objectContaining({ street: 'Haifeng St', alarms: 3, completedRate: 0.333, escalated: 2 }),
    ])
    const csvFile = join(world.dataDir, 'reports', `daily-${report.day}.csv`)
    // the flow's file node creates the file, then writes it: wait for the whole of it
    await eventually(() => written(csvFile), 5_000, 'CSV written')
    const csv = readFileSync(csvFile, 'utf8').trim().split('\n')
    expect(csv[0]).toBe(
      'street,alarms,acceptMedianS,arriveMedianS,onTimeRate,completedRate,escalated,devices,onlineRate,' +
        'visitsDue,visitsDone,visitsMissed,visitsFlagged,needsRaised,helpNeeded',
    )
    expect(csv[1]).toMatch(/^Haifeng St,3,/)
  }, 20_000)

  it('lists devices silent for a day or untested for a week', async () => {
    world.clock.set(world.clock.now() + 7 * 24 * 3_600_000)
    const before = recorder.at('/report').length
    const run = await flowsRequest('/flows/inject/dev.run', { method: 'POST', token: ADMIN_TOKEN })
    expect(run.status).toBe(200)
    await eventually(() => recorder.at('/report').length > before, 10_000, 'device list posted')
    const list = recorder.at('/report')[before]?.json as {
      report: string
      items: { deviceId: string; reasons: string[] }[]
    }
    expect(list.report).toBe('device-care')
    expect(list.items).toEqual([
      expect.objectContaining({ deviceId: 'D01', reasons: ['silent', 'untested'] }),
    ])
  }, 20_000)
})

/** Over the socket: Node-RED's Express answers are not captured by Fastify's inject. */
function flowsRequest(
  path: string,
  options: { method?: 'GET' | 'POST'; token?: string; cookie?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.cookie) headers.cookie = options.cookie
  return fetch(`http://127.0.0.1:${world.app.httpPort}${path}`, {
    method: options.method ?? 'GET',
    headers,
    redirect: 'manual',
  })
}

/** A WebSocket to the gateway: the refusal's HTTP status, or `open`. */
function upgrade(path: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${world.app.httpPort}${path}`, { headers })
    socket.on('open', () => {
      socket.close()
      resolve('open')
    })
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on('error', reject)
  })
}

function startOfDay(at: number): number {
  const d = new Date(at)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

function written(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').endsWith('\n')
  } catch {
    return false
  }
}

async function eventuallyAsync(
  check: () => Promise<boolean>,
  label: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
