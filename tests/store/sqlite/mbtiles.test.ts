import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { MbTiles } from '../../../gateway/store/sqlite/mbtiles.ts'
import { solidPng, tileOf, writeMbtiles } from '../../web/support/mbtiles.ts'

const HOME = { lat: 37.3835, lon: 117.9707 }
const dir = mkdtempSync(join(tmpdir(), 'care-mbtiles-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the MBTiles adapter', () => {
  it('reads an extract’s zooms and bounds, and answers tiles by their XYZ address', async () => {
    const file = join(dir, 'district.mbtiles')
    const colours = writeMbtiles(file, HOME, { minZoom: 13, maxZoom: 15, radius: 1 })
    const tiles = new MbTiles(file)
    try {
      expect(tiles).toMatchObject({ type: 'image/png', minZoom: 13, maxZoom: 15 })
      const { x, y } = tileOf(HOME, 14)
      const colour = colours.get(`14/${x}/${y}`)
      expect(colour).toBeDefined()
      // stored the TMS way (row 0 at the south), asked the XYZ way: the same image comes back
      expect(Buffer.from((await tiles.tile(14, x, y)) ?? [])).toEqual(solidPng(colour ?? [0, 0, 0]))
      expect(await tiles.tile(14, x + 5, y)).toBeUndefined()
    } finally {
      tiles.close()
    }
  })

  it('refuses a file it cannot read, and vector tiles it cannot draw', () => {
    const junk = join(dir, 'junk.mbtiles')
    writeFileSync(junk, 'not a database')
    expect(() => new MbTiles(junk)).toThrow()
    const vector = join(dir, 'vector.mbtiles')
    const db = new DatabaseSync(vector)
    db.exec(`CREATE TABLE metadata (name TEXT, value TEXT); INSERT INTO metadata VALUES ('format', 'pbf');
      CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);`)
    db.close()
    expect(() => new MbTiles(vector)).toThrow(/only raster tiles/)
  })
})
