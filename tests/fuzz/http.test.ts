import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorld, type World } from '../support/world.ts'

let world: World
beforeAll(async () => {
  world = await startWorld()
  await world.elder('E01')
})
afterAll(async () => {
  await world.stop()
})

const key = fc.constantFrom(
  'limit',
  'cursor',
  'grid',
  'state',
  'kind',
  'from',
  'to',
  'since',
  'token',
  'actor',
  'action',
  'target',
  'x',
)
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '-1',
    '0',
    '501',
    '1e309',
    'NaN',
    '2026-13-45T99:99:99Z',
    'sos,zzz',
    '海丰街道/东关',
    '%00',
    '../..',
  ),
  fc.integer().map(String),
)

describe('every route, against hostile input', () => {
  it('answers queries with 200, 400 or 404 — never a 500', async () => {
    const gets = world.app.surface
      .routes()
      .filter((r) => r.method === 'GET' && r.url.startsWith('/api/v1/') && !r.doc?.websocket)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...gets),
        fc.dictionary(key, value, { maxKeys: 4 }),
        async (route, query) => {
          const url = route.url.replace(':username', 'u1').replace(':id', 'E01')
          const res = await world.app.surface.inject({
            method: 'GET',
            url,
            query,
            headers: { authorization: 'Bearer test-admin-token-0123456789' },
          })
          expect([200, 400, 404], `${url}?${new URLSearchParams(query)} → ${res.body}`).toContain(
            res.statusCode,
          )
          if (res.statusCode === 400)
            expect(res.json()).toMatchObject({ error: { code: expect.any(String) } })
        },
      ),
      { numRuns: 400 },
    )
  })

  it('answers bodies with a coded 4xx, never a 500', async () => {
    const writes = world.app.surface
      .routes()
      .filter(
        (r) =>
          (r.method === 'PUT' || r.method === 'POST') &&
          r.url.startsWith('/api/v1/') &&
          !r.url.includes('login'),
      )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), fc.jsonValue({ maxDepth: 3 }), async (route, body) => {
        const url = route.url.replace(':username', 'u1').replace(':id', 'Z01')
        const res = await world.app.surface.inject({
          method: route.method as 'PUT',
          url,
          payload: JSON.stringify(body),
          headers: {
            authorization: 'Bearer test-admin-token-0123456789',
            'content-type': 'application/json',
          },
        })
        expect(res.statusCode, `${route.method} ${url} ${JSON.stringify(body)} → ${res.body}`).toBeLessThan(
          500,
        )
      }),
      { numRuns: 300 },
    )
  })
})
