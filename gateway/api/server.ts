import fastifyCors from '@fastify/cors'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from '../../kernel/observe/log.ts'
import type { ApiContext } from './context.ts'
import { installErrorHandling } from './errors.ts'
import { installOpenApi } from './openapi.ts'
import type { TileSource } from './ports.ts'
import { collectRoutes } from './route-table.ts'
import { alarmRoutes } from './routes/alarms.ts'
import { auditRoutes } from './routes/audit.ts'
import { carerRoutes } from './routes/carers.ts'
import { commandRoutes } from './routes/commands.ts'
import { gridRoutes } from './routes/grids.ts'
import { importRoutes } from './routes/import.ts'
import { liveRoutes } from './routes/live.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { privacyRoutes } from './routes/privacy.ts'
import { registryRoutes } from './routes/registry.ts'
import { statsRoutes } from './routes/stats.ts'
import { systemRoutes } from './routes/system.ts'
import { visitRoutes } from './routes/visits.ts'
import { useZodSchemas } from './schemas/provider.ts'
import { installSecurityHeaders } from './security-headers.ts'
import { type TileConfig, tileImgSources, tileRoutes } from './tiles.ts'
import { webRoutes } from './web.ts'

export interface ServerOptions {
  log: Logger
  /** Comma-separated origins for CORS; unset leaves CORS off. */
  corsOrigin?: string | undefined
  bodyLimit?: number
  /** CARE_METRICS_TOKEN: a bearer token for GET /metrics alone. */
  metricsToken?: string | undefined
  /** The board's base map (CARE_TILES_*); unset: none. */
  tiles?: TileConfig
  /** The extract CARE_TILES_FILE names, once opened. */
  tileSource?: TileSource | undefined
  /** CARE_LOGINS_PER_MINUTE: password and carer logins a minute for one name. */
  loginsPerMinute?: number | undefined
}

/** The HTTP side, built apart from `listen` so tests can `inject`. */
export async function buildServer(ctx: ApiContext, options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    trustProxy: false,
  })
  installErrorHandling(app)
  collectRoutes(app)
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })
  // Only routes that ask for it are limited (login); the rest are behind tokens.
  await app.register(fastifyRateLimit, { global: false })
  await installOpenApi(app)
  if (options.corsOrigin) {
    await app.register(fastifyCors, { origin: options.corsOrigin.split(',').map((o) => o.trim()) })
  }
  // CSP and the usual security headers on every response (gateway/api/security-headers.ts)
  const tiles: TileConfig = options.tiles ?? { tilesSubdomains: 'abc', tilesDatum: 'wgs84' }
  await installSecurityHeaders(app, { imgSources: tileImgSources(tiles) })
  await app.register(
    (api, _options, done) => {
      // each route's zod schemas validate its request (gateway/api/schemas/provider.ts)
      useZodSchemas(api)
      systemRoutes(api, ctx, options.loginsPerMinute)
      metricsRoutes(api, ctx, { token: options.metricsToken })
      auditRoutes(api, ctx)
      registryRoutes(api, ctx)
      gridRoutes(api, ctx)
      alarmRoutes(api, ctx)
      commandRoutes(api, ctx)
      carerRoutes(api, ctx)
      importRoutes(api, ctx)
      statsRoutes(api, ctx)
      liveRoutes(api, ctx)
      privacyRoutes(api, ctx)
      visitRoutes(api, ctx)
      done()
    },
    { prefix: '/api/v1' },
  )
  // the board's base map, then the board, carer, supervision and login pages
  await tileRoutes(app, { auth: ctx.auth, config: tiles, source: options.tileSource })
  await webRoutes(app)
  return app
}
