import { statSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { TileSource } from '../../api/ports.ts'

const imageTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
}

/**
 * One MBTiles file (SQLite), opened read-only. Its rows are numbered the TMS way, row 0 at the south;
 * the board asks the XYZ way, row 0 at the north: row = 2^z − 1 − y. Opening throws when the file
 * cannot be read or holds vector tiles (only raster tiles can be drawn).
 */
export class MbTiles implements TileSource {
  readonly #db: DatabaseSync
  readonly #tile: StatementSync
  readonly type: string
  readonly minZoom: number
  readonly maxZoom: number
  readonly bounds: [[number, number], [number, number]] | undefined
  readonly version: string

  constructor(path: string) {
    this.#db = new DatabaseSync(path, { readOnly: true })
    try {
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
    } catch (error) {
      this.#db.close()
      throw error
    }
  }

  async tile(z: number, x: number, y: number): Promise<Uint8Array | undefined> {
    const row = this.#tile.get(z, x, 2 ** z - 1 - y) as { tile_data: Uint8Array } | undefined
    return row?.tile_data
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close()
  }
}
