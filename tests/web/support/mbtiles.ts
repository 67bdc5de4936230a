import { DatabaseSync } from 'node:sqlite'
import { crc32, deflateSync } from 'node:zlib'

/** A 256×256 PNG of one colour, written by hand: signature, IHDR, one IDAT, IEND. */
export function solidPng([r, g, b]: readonly [number, number, number], size = 256): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length, 0)
    head.write(type, 4, 'ascii')
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
    return Buffer.concat([head, data, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.writeUInt8(8, 8) // bit depth
  ihdr.writeUInt8(2, 9) // truecolour
  const row = Buffer.alloc(1 + size * 3) // filter byte 0, then RGB
  for (let i = 0; i < size; i++) row.set([r, g, b], 1 + i * 3)
  const pixels = Buffer.concat(Array.from({ length: size }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The XYZ tile holding a point at zoom z (Web Mercator, row 0 at the north). */
export function tileOf(p: { lat: number; lon: number }, z: number): { x: number; y: number } {
  const n = 2 ** z
  const rad = (p.lat * Math.PI) / 180
  return {
    x: Math.floor(((p.lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n),
  }
}

/** The north-west corner of XYZ tile (x, y) at zoom z. */
export function tileCorner(x: number, y: number, z: number): { lat: number; lon: number } {
  const n = 2 ** z
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI
  return { lat, lon: (x / n) * 360 - 180 }
}

export type Rgb = readonly [number, number, number]

/**
 * An MBTiles file of solid tiles around `centre`: `radius` tiles each way at every zoom from `minZoom`
 * to `maxZoom`, each its own colour. Rows are stored the TMS way (row 0 at the south), as the format
 * says. Returns each tile's colour by its XYZ address `z/x/y`.
 */
export function writeMbtiles(
  path: string,
  centre: { lat: number; lon: number },
  options: { minZoom: number; maxZoom: number; radius: number },
): Map<string, Rgb> {
  const db = new DatabaseSync(path)
  db.exec(`CREATE TABLE metadata (name TEXT, value TEXT);
    CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);`)
  const colours = new Map<string, Rgb>()
  const insert = db.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?)')
  let west = 180
  let south = 90
  let east = -180
  let north = -90
  let k = 0
  for (let z = options.minZoom; z <= options.maxZoom; z++) {
    const mid = tileOf(centre, z)
    for (let dx = -options.radius; dx <= options.radius; dx++) {
      for (let dy = -options.radius; dy <= options.radius; dy++) {
        const x = mid.x + dx
        const y = mid.y + dy
        k++
        // distinct, well apart colours: a tile drawn in the wrong place shows another colour
        const colour: Rgb = [(k * 67) % 256, (k * 141) % 256, (k * 29 + 90) % 256]
        colours.set(`${z}/${x}/${y}`, colour)
        insert.run(z, x, 2 ** z - 1 - y, solidPng(colour))
        if (z === options.maxZoom) {
          const nw = tileCorner(x, y, z)
          const se = tileCorner(x + 1, y + 1, z)
          west = Math.min(west, nw.lon)
          east = Math.max(east, se.lon)
          north = Math.max(north, nw.lat)
          south = Math.min(south, se.lat)
        }
      }
    }
  }
  const meta = db.prepare('INSERT INTO metadata VALUES (?, ?)')
  meta.run('name', 'test district')
  meta.run('format', 'png')
  meta.run('minzoom', String(options.minZoom))
  meta.run('maxzoom', String(options.maxZoom))
  // inside the tiles of the deepest level, which are the smallest square: every tile asked for exists
  const inset = (east - west) / 10
  meta.run('bounds', [west + inset, south + inset, east - inset, north - inset].join(','))
  db.close()
  return colours
}
