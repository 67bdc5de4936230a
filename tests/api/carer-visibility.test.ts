import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { HOME, offset, startWorld, type World } from '../support/world.ts'

/**
 * Which carers a caller sees — their names, phones and where they are — is one rule, whether they
 * ask `GET /carers` or watch the live stream. A supervisor scoped to a grid once got every carer's
 * phone and position from REST while the stream hid them.
 */
let world: World
const tokens: Record<string, string> = {}
const carers = ['C01', 'C02']

async function user(username: string, body: Record<string, unknown>): Promise<void> {
  await world.api('PUT', `/api/v1/users/${username}`, { password: `password-${username}`, ...body })
  const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
    username,
    password: `password-${username}`,
  })
  tokens[username] = login.body.token
}

beforeAll(async () => {
  world = await startWorld()
  await world.carer('C01', offset(HOME, 300, 0))
  await world.carer('C02', offset(HOME, -300, 0))
  await user('disp', { role: 'dispatcher' })
  await user('sup', { role: 'supervisor' })
  await user('scoped', { role: 'supervisor', grid: ['Haifeng St'] })
  await user('carer1', { role: 'carer', carerId: 'C01' })
})
afterAll(async () => {
  await world.stop()
})

/** The carers the live stream shows this caller: in its snapshot, then in a carer event. */
async function onTheStream(token: string): Promise<{ snapshot: string[]; events: string[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${world.app.httpPort}/api/v1/live?token=${token}`)
  const frames: { type: string; seq: number; carers?: { id: string }[]; carer?: { id: string } }[] = []
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  await expect.poll(() => frames.length).toBeGreaterThan(0)
  // every carer changes once, as when they move
  const before = world.app.surface.live.seq
  for (const id of carers) {
    const profile = world.app.surface.carer(id)
    if (profile) world.app.surface.live.carer(profile)
  }
  expect(world.app.surface.live.seq).toBe(before + carers.length)
  // the barrier: a ping's pong comes after every frame the hub sent this socket before it
  const pong = new Promise<void>((resolve) => ws.once('pong', () => resolve()))
  ws.ping()
  await pong
  ws.close()
  const snapshot = (frames[0]?.carers ?? []).map((c) => c.id).sort()
  const events = frames.filter((f) => f.type === 'carer').map((f) => f.carer?.id ?? '')
  return { snapshot, events: [...new Set(events)].sort() }
}

/** The carers REST shows this caller: the listing where allowed, and each record asked for by id. */
async function overRest(token: string): Promise<{ list?: string[]; items: string[] }> {
  const list = await world.api<{ items: { id: string; phone?: string }[] }>(
    'GET',
    '/api/v1/carers',
    undefined,
    token,
  )
  const items: string[] = []
  for (const id of carers) {
    const res = await world.api('GET', `/api/v1/carers/${id}`, undefined, token)
    if (res.status === 200) items.push(id)
    else expect([403, 404], `${id}: ${res.status}`).toContain(res.status)
  }
  return { ...(list.status === 200 ? { list: list.body.items.map((c) => c.id).sort() } : {}), items }
}

describe('the carers a caller sees', () => {
  it.each([
    ['an admin', 'admin', carers],
    ['a dispatcher', 'disp', carers],
    ['a supervisor of the whole district', 'sup', carers],
    ['a supervisor scoped to a grid', 'scoped', []],
    ['a carer', 'carer1', ['C01']],
  ])('are the same on REST and on the stream, for %s', async (_who, name, expected) => {
    const token = name === 'admin' ? 'test-admin-token-0123456789' : (tokens[name] ?? '')
    const stream = await onTheStream(token)
    const rest = await overRest(token)
    expect(stream.snapshot).toEqual(expected)
    expect(stream.events).toEqual(expected)
    expect(rest.items).toEqual(expected)
    if (rest.list) expect(rest.list).toEqual(expected)
  })

  it('a scoped supervisor gets no carer phone or position from any route', async () => {
    const token = tokens.scoped ?? ''
    const list = await world.api('GET', '/api/v1/carers', undefined, token)
    expect(list.status).toBe(200)
    expect(list.body).toEqual({ items: [] })
    const one = await world.api<{ error: { code: string } }>('GET', '/api/v1/carers/C01', undefined, token)
    expect(one.status).toBe(404)
    expect(one.body.error.code).toBe('CARER_NOT_FOUND')
    expect(JSON.stringify([list.body, one.body])).not.toMatch(/1370000|lat/)
  })
})
