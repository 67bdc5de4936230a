import { statSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Config } from '../config.ts'
import type { Auth } from './auth.ts'
import { ApiError } from './errors.ts'

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

const imageTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
}

/**
 * One MBTiles file (SQLite), opened read-only. Its rows are numbered the TMS way, row 0 at the south;
 * the board asks the XYZ way, row 0 at the north: row = 2^z − 1 − y.
 */
export class MbTiles {
  readonly #db: DatabaseSync
  readonly #tile: ReturnType<DatabaseSync['prepare']>
  readonly type: string
  readonly minZoom: number
  readonly maxZoom: number
  readonly bounds: [[number, number], [number, number]] | undefined
  /** Changes when the file is replaced: part of every tile's ETag. */
  readonly version: string

  constructor(path: string) {
    this.#db = new DatabaseSync(path, { readOnly: true })
    const meta = new Map<string, string>()
    const rows = this.#db.prepare('SELECT name, value FROM metadata').all() as {
      name: string
      value: string
    }[]
    for (const row of rows) meta.set(row.name, row.value)
    this.#tile = this.#db.prepare(
      'SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?',
    )
    const format = meta.get('format') ?? 'png'
    const type = imageTypes[format]
    if (!type) throw new Error(`format ${format}: only raster tiles (png, jpg, webp) can be drawn`)
    this.type = type
    const zooms = this.#db
      .prepare('SELECT min(zoom_level) AS lo, max(zoom_level) AS hi FROM tiles')
      .get() as { lo: number | null; hi: number | null }
    this.minZoom = Number(meta.get('minzoom') ?? zooms.lo ?? 0)
    this.maxZoom = Number(meta.get('maxzoom') ?? zooms.hi ?? 18)
    const b = (meta.get('bounds') ?? '').split(',').map(Number)
    this.bounds =
      b.length === 4 && b.every(Number.isFinite)
        ? [
            [b[1] as number, b[0] as number],
            [b[3] as number, b[2] as number],
          ]
        : undefined
    const file = statSync(path)
    this.version = `${file.size.toString(36)}-${Math.round(file.mtimeMs).toString(36)}`
  }

  /** The tile at XYZ (z, x, y), or undefined when the extract has none there. */
  tile(z: number, x: number, y: number): Uint8Array | undefined {
    const row = this.#tile.get(z, x, 2 ** z - 1 - y) as { tile_data: Uint8Array } | undefined
    return row?.tile_data
  }

  close(): void {
    this.#db.close()
  }
}

export interface TileRouteDeps {
  auth: Auth
  config: TileConfig
}

/**
 * `GET /map/settings` (admin, dispatcher): the base map as the configuration sets it; and with
 * `CARE_TILES_FILE`, `GET /tiles/{z}/{x}/{y}`: its tiles, without a token, as an `<img>` asks for them
 * (a base map holds no one's personal data). A file that cannot be read is logged and leaves the board
 * without a base map; the gateway starts all the same.
 */
export async function tileRoutes(app: FastifyInstance, deps: TileRouteDeps): Promise<void> {
  const { config } = deps
  let file: MbTiles | undefined
  if (config.tilesFile) {
    try {
      file = new MbTiles(config.tilesFile)
      app.log.info({ file: config.tilesFile, minZoom: file.minZoom, maxZoom: file.maxZoom }, 'base map file')
    } catch (error) {
      app.log.error({ err: error, file: config.tilesFile }, 'CARE_TILES_FILE cannot be read; no base map')
    }
  }
  app.addHook('onClose', async () => file?.close())
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
    const data = tiles.tile(zoom, x, y)
    // no tile there: an empty answer the map draws as nothing, not an error for every gap in the extract
    if (!data) return reply.code(204).send()
    return reply.type(tiles.type).send(Buffer.from(data))
  })
}

function mapSettings(config: TileConfig, file: MbTiles | undefined): MapSettings {
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
