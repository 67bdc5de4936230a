import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Access } from '../access/access.ts'
import { FLOWS_CSP } from '../api/security-headers.ts'

export type Handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

export const FLOWS_COOKIE = 'care_flows'

/**
 * docs/decisions.md: the editor and its admin API are for our admins, with our tokens. A request
 * carries an admin's bearer token, or the cookie `GET /flows/?token=` sets for a browser (HttpOnly,
 * SameSite=Strict, path /flows, as long as the token lives); the editor's WebSocket, which goes through
 * Fastify's router, passes the same gate. Node-RED's own adminAuth stays off:
 * there is no second user database.
 */
export function flowsGate(
  access: Pick<Access, 'resolve'>,
  admin: () => Handler | undefined,
  upgrade: (req: IncomingMessage) => boolean,
): Handler {
  return (req, res, next) => {
    admit(req, res, next).catch(next)
  }

  async function admit(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) {
    const url = new URL(req.url ?? '/', 'http://flows.invalid')
    const fromQuery = req.method === 'GET' ? url.searchParams.get('token') : null
    const token = bearer(req) ?? fromQuery ?? cookie(req, FLOWS_COOKIE)
    if (!token) return refuse(res, 401, 'UNAUTHENTICATED', 'send Authorization: Bearer <admin token>')
    const caller = await access.resolve(token)
    if (!caller) return refuse(res, 401, 'UNAUTHENTICATED', 'token unknown or expired')
    if (caller.role !== 'admin') return refuse(res, 403, 'FORBIDDEN', `${caller.role} may not edit flows`)
    if (fromQuery) {
      // keep the token out of the address bar and the editor's history
      res.statusCode = 303
      res.setHeader(
        'set-cookie',
        `${FLOWS_COOKIE}=${encodeURIComponent(token)}; Path=/flows; HttpOnly; SameSite=Strict`,
      )
      res.setHeader('location', `/flows${url.pathname === '/' ? '/' : url.pathname}`)
      res.end()
      return
    }
    // the editor's comms WebSocket: admitted here, then handed to Node-RED
    if (req.headers.upgrade?.toLowerCase() === 'websocket' && upgrade(req)) return
    const handler = admin()
    if (!handler) return refuse(res, 503, 'UNAVAILABLE', 'flows are starting or down')
    // the editor is Node-RED's page, with inline scripts of its own: the looser policy, here only
    res.setHeader('content-security-policy', FLOWS_CSP)
    handler(req, res, next)
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }
  return undefined
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.end(JSON.stringify({ error: { code, message } }))
}
