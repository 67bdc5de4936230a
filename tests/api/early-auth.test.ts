import { request as httpRequest, type IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectRoutes } from '../../gateway/api/route-table.ts'
import { startWorld, type World } from '../support/world.ts'

/**
 * A large body costs whoever reads it. `POST /import` once read and parsed a 31 MB body before it
 * looked at the token, so anyone could stall the event loop (and the PUBACKs behind it) with junk.
 * The token and the role are checked on the request's head, before a byte of the body is read:
 * these requests declare 30 MB and send only the first KiB, and must be answered anyway.
 */
const DECLARED = 30 * 1024 * 1024

let world: World
let dispatcher = ''
beforeAll(async () => {
  world = await startWorld()
  await world.api('PUT', '/api/v1/users/disp1', { role: 'dispatcher', password: 'password-disp1' })
  const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
    username: 'disp1',
    password: 'password-disp1',
  })
  dispatcher = login.body.token
})
afterAll(async () => {
  await world.stop()
})

/** Sends the head and one KiB of a body declared as 30 MB, then waits for the answer (never sends the rest). */
function partialUpload(
  method: string,
  path: string,
  token: string | undefined,
): Promise<{ status: number; body: { error?: { code: string } }; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: world.app.httpPort,
      method,
      path,
      headers: {
        'content-type': 'text/csv',
        'content-length': String(DECLARED),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    })
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        req.destroy()
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code: string } },
          connection: res.headers.connection,
        })
      })
    })
    req.on('error', reject)
    req.write(`id,name,lat,lon\n${'E0001,老人,37.38,117.97\n'.repeat(40)}`.slice(0, 1024))
    // the rest of the 30 MB never comes: only an answer given before the body ends this promise
  })
}

describe('authentication happens before the body is read', () => {
  it('refuses a missing token on a 30 MB import after one KiB, and closes the connection', async () => {
    const res = await partialUpload('POST', '/api/v1/import?type=elders', undefined)
    expect(res.status).toBe(401)
    expect(res.body.error?.code).toBe('UNAUTHENTICATED')
    expect(res.connection).toBe('close')
  })

  it('refuses a wrong token the same way', async () => {
    const res = await partialUpload('POST', '/api/v1/import?type=elders', 'not-a-token-at-all-0000')
    expect(res.status).toBe(401)
  })

  it('refuses a role the route does not admit before the body too (403)', async () => {
    const res = await partialUpload('POST', '/api/v1/import?type=elders', dispatcher)
    expect(res.status).toBe(403)
    expect(res.body.error?.code).toBe('FORBIDDEN')
  })

  it('does the same on an ordinary JSON route', async () => {
    const res = await partialUpload('PUT', '/api/v1/elders/E01', undefined)
    expect(res.status).toBe(401)
  })

  it('leaves only health and the two logins public', () => {
    const publicRoutes = world.app.surface
      .routes()
      .filter((r) => r.url.startsWith('/api/v1/') && r.roles === 'public')
      .map((r) => `${r.method} ${r.url}`)
      .sort()
    expect(publicRoutes).toEqual(['GET /api/v1/health', 'POST /api/v1/auth/carer', 'POST /api/v1/auth/login'])
  })
})

describe('the route table', () => {
  it('refuses to register an /api/v1 route with neither a role guard nor config.public', async () => {
    const app = Fastify()
    collectRoutes(app)
    expect(() => app.get('/api/v1/open', async () => ({ leaked: true }))).toThrow(/no role guard/)
    // outside the API (pages, /docs) nothing is asked
    app.get('/board', async () => 'page')
    await app.close()
  })

  it('moves a guard given as a preHandler to the front of onRequest', async () => {
    const app = Fastify()
    collectRoutes(app)
    const seen: string[] = []
    const guard = Object.assign(
      async () => {
        seen.push('guard')
      },
      { roles: ['admin'] as const },
    )
    app.post(
      '/api/v1/thing',
      {
        onRequest: async () => {
          seen.push('own onRequest')
        },
        preHandler: [
          guard,
          async () => {
            seen.push('own preHandler')
          },
        ],
      },
      async () => ({ ok: true }),
    )
    const res = await app.inject({ method: 'POST', url: '/api/v1/thing', payload: {} })
    expect(res.statusCode).toBe(200)
    expect(seen).toEqual(['guard', 'own onRequest', 'own preHandler'])
    expect(app.routeTable.find((r) => r.url === '/api/v1/thing')?.roles).toEqual(['admin'])
    await app.close()
  })
})
