import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Config } from '../config.ts'
import type { Auth } from './auth.ts'
import { ApiError } from './errors.ts'
import type { TileSource } from './ports.ts'

/**
 * The board's base map, set by the administrator in the configuration and nowhere else (docs/web.md,
 * "Tiles"; docs/security.md): a tile server's URL template, or one MBTiles file served from here.
 */
export type TileConfig = Pick<
  Config,
  'tilesUrl' | 'tilesSubdomains' | 'tilesDatum' | 'tilesAttribution' | 'tilesFile'
>

/** What the board is told by `GET /map/settings`. */
export interface MapSettings {
  tiles: {
    url: string
    subdomains: string
    datum: Config['tilesDatum']
    attribution: string
    minZoom: number
    /** Past it the board enlarges the last zoom level the source has. */
    maxNativeZoom: number
    /** South-west and north-east corners, WGS-84: outside them no tile is asked for. */
    bounds?: [[number, number], [number, number]]
  } | null
}

/** The CSP `img-src` sources a tile URL needs: its origin, `{s}` and the labels before it as `*`. */
export function tileImgSources(config: Pick<TileConfig, 'tilesUrl'>): string[] {
  if (!config.tilesUrl) return []
  const match = /^(https?):\/\/([^/:]+)(:\d+)?\//.exec(config.tilesUrl)
  if (!match) return []
  const [, scheme, host = '', port = ''] = match
  const labels = host.split('.')
  const last = labels.findLastIndex((label) => label.includes('{'))
  const pattern = last < 0 ? host : ['*', ...labels.slice(last + 1)].join('.')
  return [`${scheme}://${pattern}${port}`]
}

const zxy = z
  .object({
    z: z.coerce.number().int().min(0).max(24),
    x: z.coerce.number().int().min(0),
    y: z.coerce.number().int().min(0),
  })
  .strict()
  .refine((t) => t.x < 2 ** t.z && t.y < 2 ** t.z, 'x and y must lie within zoom level z')

export interface TileRouteDeps {
  auth: Auth
  config: TileConfig
  /** The extract CARE_TILES_FILE names, opened by the composition root; absent when none could be. */
  source?: TileSource | undefined
}

/**
 * `GET /map/settings` (admin, dispatcher): the base map as the configuration sets it; and with
 * `CARE_TILES_FILE`, `GET /tiles/{z}/{x}/{y}`: its tiles, without a token, as an `<img>` asks for them
 * (a base map holds no one's personal data). A file that could not be read leaves the board
 * without a base map; the gateway starts all the same (gateway/app.ts logs why).
 */
export async function tileRoutes(app: FastifyInstance, deps: TileRouteDeps): Promise<void> {
  const { config } = deps
  const file = config.tilesFile ? deps.source : undefined
  const settings = mapSettings(config, file)

  app.get(
    '/map/settings',
    {
      preHandler: deps.auth.allow('admin', 'dispatcher'),
      schema: { summary: 'The board’s base map' },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send(settings),
  )

  if (!file) return
  const tiles = file
  app.get('/tiles/:z/:x/:y', { config: { public: true } }, async (request, reply) => {
    const at = zxy.safeParse(request.params)
    if (!at.success) throw new ApiError('BAD_REQUEST', 'a tile address is /tiles/{z}/{x}/{y} within zoom z')
    const { z: zoom, x, y } = at.data
    const etag = `"${tiles.version}-${zoom}-${x}-${y}"`
    reply.header('cache-control', 'public, max-age=86400').header('etag', etag)
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    const data = await tiles.tile(zoom, x, y)
    // no tile there: an empty answer the map draws as nothing, not an error for every gap in the extract
    if (!data) return reply.code(204).send()
    return reply.type(tiles.type).send(Buffer.from(data))
  })
}

function mapSettings(config: TileConfig, file: TileSource | undefined): MapSettings {
  const attribution = config.tilesAttribution ?? ''
  if (file) {
    return {
      tiles: {
        url: '/tiles/{z}/{x}/{y}',
        subdomains: config.tilesSubdomains,
        datum: config.tilesDatum,
        attribution,
        minZoom: file.minZoom,
        maxNativeZoom: file.maxZoom,
        ...(file.bounds ? { bounds: file.bounds } : {}),
      },
    }
  }
  if (config.tilesUrl) {
    return {
      tiles: {
        url: config.tilesUrl,
        subdomains: config.tilesSubdomains,
        datum: config.tilesDatum,
        attribution,
        minZoom: 0,
        maxNativeZoom: 18,
      },
    }
  }
  return { tiles: null }
}
