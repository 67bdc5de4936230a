import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

/**
 * docs/security.md, "a stranger's text in the registry": the pages show names, addresses and notes
 * that anyone may have typed. They render them as text; the policy below is the second wall, should a
 * page ever write one as HTML: scripts only from the gateway's own files, never inline, never eval.
 */
export interface PagePolicy {
  /** Where map tiles may come from besides the gateway itself (CSP sources, e.g. `https://*.tianditu.gov.cn`). */
  imgSources?: readonly string[]
}

export function pageDirectives(policy: PagePolicy = {}): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    // Leaflet's own images are inlined as data: URIs by the build
    'img-src': ["'self'", 'data:', ...(policy.imgSources ?? [])],
    // the live stream and the MQTT WebSocket are on the gateway's own origin
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    // mqtt.js runs its keep-alive timers in a worker made from a blob, so a phone in the background
    // keeps its link; a blob worker holds only code the page's own scripts wrote
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  }
}

/**
 * The Node-RED editor under `/flows` (admins only) is a page of Node-RED's making: node definitions
 * arrive as HTML with inline scripts, and its code editor evaluates code and starts workers from blobs.
 * It gets the looser policy it needs, and only it; it still loads nothing from elsewhere.
 */
export const FLOWS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ')

/**
 * The API documentation at `/docs` is Swagger UI's page: its scripts are files, but it styles elements
 * through inline style attributes. Scripts stay the gateway's own; inline styles are allowed there.
 */
export function docsCsp(policy: PagePolicy = {}): string {
  const directives = pageDirectives(policy)
  directives['style-src'] = ["'self'", "'unsafe-inline'"]
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

/**
 * Helmet on every response (pages, API, assets): CSP, nosniff, no referrer, no framing, the
 * cross-origin isolation headers. The gateway is often reached over plain HTTP on a centre's LAN, so
 * the policy never upgrades requests to HTTPS by itself.
 */
export async function installSecurityHeaders(app: FastifyInstance, policy: PagePolicy = {}): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: pageDirectives(policy) },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  })
  const docs = docsCsp(policy)
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/docs' || request.url.startsWith('/docs/')) {
      reply.raw.setHeader('content-security-policy', docs)
    }
  })
}
