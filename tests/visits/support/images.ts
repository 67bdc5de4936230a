import { crc32, deflateSync } from 'node:zlib'

/**
 * Small photos built byte by byte, each carrying a marker string in its metadata (where a phone
 * puts the GPS position), for the photo-proof tests. All three are real, decodable images: an 8x8
 * mid-grey baseline JPEG, a 1x1 grey PNG and 1x1 grey WebPs, lossless, lossy and animated (each
 * checked once by decoding it in Chromium; the tests themselves only walk their structure).
 */

// ---- JPEG ----

/** A marker segment: FF, the marker, the length (which counts itself) and the payload. */
export function jpegSegment(marker: number, payload: Uint8Array): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0])
  head.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([head, payload])
}

/** APP0 JFIF 1.01, no density unit, aspect 1:1, no thumbnail. */
export const JFIF = jpegSegment(0xe0, Buffer.from('JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00', 'latin1'))

/** APP1 Exif whose GPS IFD holds a latitude and, as map datum, the marker. */
export function exifSegment(marker: string): Buffer {
  return jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), gpsTiff(marker)]))
}

/**
 * One 8x8 block, one grey component. The Huffman tables hold a single 1-bit code each (DC: size 0,
 * AC: end of block), so the block is DC 0 then EOB: bits `00`, padded with ones to 0x3F. All
 * coefficients are zero, so every pixel is the level shift, 128.
 */
const JPEG_IMAGE = [
  jpegSegment(0xdb, Buffer.from([0x00, ...new Array<number>(64).fill(1)])), // DQT 0, 8-bit, all ones
  jpegSegment(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0])), // SOF0 8 bits, 8x8, component 1 on table 0
  jpegSegment(0xc4, Buffer.from([0x00, 1, ...new Array<number>(15).fill(0), 0x00])), // DHT DC 0: code 0 = size 0
  jpegSegment(0xc4, Buffer.from([0x10, 1, ...new Array<number>(15).fill(0), 0x00])), // DHT AC 0: code 0 = EOB
  jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])), // SOS component 1, tables 0/0, spectrum 0-63
]
const JPEG_SCAN = Buffer.from([0x3f])

/** SOI, the given segments (APPn, COM), then the tables, the frame, the scan and EOI. */
export function jpeg(...segments: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...segments,
    ...JPEG_IMAGE,
    JPEG_SCAN,
    Buffer.from([0xff, 0xd9]),
  ])
}

export function jpegWithGps(marker: string): Buffer {
  return jpeg(JFIF, exifSegment(marker))
}

// ---- PNG ----

export function pngChunk(type: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** 1x1, 8-bit greyscale: the one row is filter byte 0 then the pixel. */
const PNG_HEADER = pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]))
const PNG_DATA = pngChunk('IDAT', deflateSync(Buffer.from([0, 0x80])))
export const PNG_END = pngChunk('IEND')

/** Signature, IHDR, the given chunks, IDAT, then `end` (IEND unless told). */
export function png(chunks: Buffer[], end: Buffer = PNG_END): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, PNG_HEADER, ...chunks, PNG_DATA, end])
}

export function pngWithText(marker: string): Buffer {
  return png([
    pngChunk('tEXt', Buffer.from(`Comment\0${marker}`, 'latin1')),
    pngChunk('eXIf', gpsTiff(marker)),
  ])
}

// ---- WebP ----

/** A RIFF chunk, padded with a zero byte to even length (the size field does not count it). */
export function webpChunk(fourcc: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.write(fourcc, 0, 'latin1')
  head.writeUInt32LE(data.length, 4)
  return Buffer.concat([head, data, Buffer.alloc(data.length % 2)])
}

export function webp(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), ...chunks])
  const head = Buffer.alloc(8)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(body.length, 4)
  return Buffer.concat([head, body])
}

export const VP8X_ALPHA = 0x10
export const VP8X_EXIF = 0x08
export const VP8X_XMP = 0x04

/** VP8X for a 1x1 canvas with these flags. */
export function vp8x(flags: number): Buffer {
  return webpChunk('VP8X', Buffer.from([flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
}

/**
 * A lossless 1x1 grey pixel: no transform, no colour cache, no meta codes, and five one-symbol
 * "simple" prefix codes (green, red, blue, alpha, distance), which take zero bits per pixel.
 */
export const VP8L = webpChunk('VP8L', vp8lGreyPixel())

/**
 * A lossy 1x1 grey key frame. The header is spelled out; the two bool-coded partitions (10 and 4
 * bytes) are as libwebp wrote them for a grey canvas in Chromium, since writing them by hand means
 * carrying VP8's 1056 probability-update odds.
 */
export const VP8 = webpChunk(
  'VP8 ',
  Buffer.concat([
    Buffer.from([0x50, 0x01, 0x00]), // key frame, version 0, shown, first partition of 10 bytes
    Buffer.from([0x9d, 0x01, 0x2a]), // start code
    Buffer.from([0x01, 0x00, 0x01, 0x00]), // 1x1, not scaled
    Buffer.from('02c04c25a40004740000', 'hex'), // first partition: modes, quantiser, probabilities
    Buffer.from('e4400000', 'hex'), // the one token partition
  ]),
)

export const VP8X_ANIMATION = 0x02

/** ANIM: transparent background, loop for ever. */
export const ANIM = webpChunk('ANIM', Buffer.from([0, 0, 0, 0, 0, 0]))

/** ANMF: one 1x1 frame at the origin, shown for 100 ms, holding `frame` (a VP8L or VP8 chunk). */
export function anmf(frame: Buffer): Buffer {
  const head = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0]) // x, y, w-1, h-1, ms, flags
  return webpChunk('ANMF', Buffer.concat([head, frame]))
}

export function webpWithExif(marker: string): Buffer {
  const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSMapDatum>${marker}</exif:GPSMapDatum></x:xmpmeta>`
  return webp(
    vp8x(VP8X_ALPHA | VP8X_EXIF | VP8X_XMP),
    VP8L,
    webpChunk('EXIF', gpsTiff(marker)),
    webpChunk('XMP ', Buffer.from(xmp.length % 2 ? xmp : `${xmp} `, 'latin1')), // odd: padded
  )
}

function vp8lGreyPixel(): Buffer {
  const bits: number[] = []
  const put = (value: number, count: number) => {
    for (let i = 0; i < count; i++) bits.push((value >> i) & 1) // least significant bit first
  }
  put(0, 14) // width - 1
  put(0, 14) // height - 1
  put(1, 1) // alpha is used (a hint)
  put(0, 3) // version
  put(0, 1) // no transform
  put(0, 1) // no colour cache
  put(0, 1) // no meta prefix codes
  for (const symbol of [0x80, 0x80, 0x80, 0xff, 0]) {
    put(1, 1) // simple code
    put(0, 1) // one symbol
    put(1, 1) // of 8 bits
    put(symbol, 8)
  }
  const bytes = Buffer.alloc(Math.ceil(bits.length / 8))
  bits.forEach((bit, i) => {
    bytes.writeUInt8(bytes.readUInt8(i >> 3) | (bit << (i & 7)), i >> 3)
  })
  return Buffer.concat([Buffer.from([0x2f]), bytes])
}

// ---- Exif (TIFF, big-endian) ----

interface TiffEntry {
  tag: number
  type: number
  count: number
  data: Buffer
}

/** IFD0 pointing at a GPS IFD: version 2.3, latitude 52° 31' 12" N, map datum = the marker. */
export function gpsTiff(marker: string): Buffer {
  const rationals = Buffer.alloc(24)
  ;[52, 1, 31, 1, 12, 1].forEach((v, i) => {
    rationals.writeUInt32BE(v, i * 4)
  })
  const gps: TiffEntry[] = [
    { tag: 0x0000, type: 1, count: 4, data: Buffer.from([2, 3, 0, 0]) },
    { tag: 0x0001, type: 2, count: 2, data: Buffer.from('N\0', 'latin1') },
    { tag: 0x0002, type: 5, count: 3, data: rationals },
    { tag: 0x0012, type: 2, count: marker.length + 1, data: Buffer.from(`${marker}\0`, 'latin1') },
  ]
  const gpsAt = 8 + ifdSize(1)
  const ifd0 = ifd([{ tag: 0x8825, type: 4, count: 1, data: uint32(gpsAt) }], 8)
  return Buffer.concat([Buffer.from('MM\0\x2a', 'latin1'), uint32(8), ifd0, ifd(gps, gpsAt)])
}

function ifdSize(entries: number): number {
  return 2 + entries * 12 + 4
}

/** An IFD at offset `at`, followed by the values too long to sit in their entry (over 4 bytes). */
function ifd(entries: TiffEntry[], at: number): Buffer {
  const head = Buffer.alloc(ifdSize(entries.length))
  head.writeUInt16BE(entries.length, 0)
  const values: Buffer[] = []
  let valueAt = at + head.length
  entries.forEach((e, i) => {
    const o = 2 + i * 12
    head.writeUInt16BE(e.tag, o)
    head.writeUInt16BE(e.type, o + 2)
    head.writeUInt32BE(e.count, o + 4)
    if (e.data.length <= 4) e.data.copy(head, o + 8)
    else {
      head.writeUInt32BE(valueAt, o + 8)
      values.push(e.data)
      valueAt += e.data.length
    }
  })
  return Buffer.concat([head, ...values])
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** A PNG of its own: the kept gAMA chunk differs by `n`, so the stored photo (by content hash) does too. */
export function distinctPng(n: number, marker = 'GPS'): Buffer {
  const gamma = Buffer.alloc(4)
  gamma.writeUInt32BE(45_455 + n)
  return png([pngChunk('gAMA', gamma), pngChunk('tEXt', Buffer.from(`Location\0${marker}`, 'latin1'))])
}
