/**
 * A carer's photo proof of a visit, checked and cleaned before it is kept. The bytes must be a
 * whole JPEG, PNG or WebP, and what the phone wrote beside the pixels (Exif with the GPS position,
 * XMP, IPTC, comments, text chunks) is cut out, so a stored photo tells no more than it shows.
 * Pixels are never decoded or re-encoded: segments and chunks are walked and the kept ones copied
 * byte for byte.
 */

export type ImageType = 'jpeg' | 'png' | 'webp'

export type CleanedImage = { ok: true; type: ImageType; bytes: Buffer; removed: string[] }
export type RefusedImage = { ok: false; code: 'NOT_AN_IMAGE' | 'IMAGE_DAMAGED'; message: string }

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

const CONTENT_TYPES: Record<ImageType, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
}

/** The image type by its magic bytes alone (a file name or a declared type is not trusted). */
export function sniff(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png'
  const b = asBuffer(bytes)
  if (b.length >= 12 && latin1(b, 0, 4) === 'RIFF' && latin1(b, 8, 4) === 'WEBP') return 'webp'
  return undefined
}

export function contentType(type: ImageType): string {
  return CONTENT_TYPES[type]
}

/** The image with its metadata cut out, and what was cut (for the log); or why it is refused. */
export function cleanImage(bytes: Uint8Array): CleanedImage | RefusedImage {
  const type = sniff(bytes)
  if (!type) return { ok: false, code: 'NOT_AN_IMAGE', message: 'not a JPEG, PNG or WebP image' }
  try {
    const cleaned = CLEANERS[type](asBuffer(bytes))
    return { ok: true, type, ...cleaned }
  } catch (e) {
    if (!(e instanceof Damaged)) throw e
    return { ok: false, code: 'IMAGE_DAMAGED', message: `damaged ${type}: ${e.message}` }
  }
}

interface Cleaned {
  bytes: Buffer
  removed: string[]
}

/** Thrown inside a walk, turned into IMAGE_DAMAGED by cleanImage. */
class Damaged extends Error {}

const CLEANERS: Record<ImageType, (b: Buffer) => Cleaned> = {
  jpeg: cleanJpeg,
  png: cleanPng,
  webp: cleanWebp,
}

// ---- JPEG: marker segments from SOI to the first SOS, then the scans copied up to EOI ----

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const COM = 0xfe

/** What opens an APPn payload (a NUL-terminated name), as the log names it. */
const APP_NAMES: ReadonlyMap<string, string> = new Map([
  ['Exif', 'Exif'],
  ['http://ns.adobe.com/xap/1.0/', 'XMP'],
  ['http://ns.adobe.com/xmp/extension/', 'XMP'],
  ['Photoshop 3.0', 'Photoshop'],
  ['MPF', 'MPF'],
])

function cleanJpeg(b: Buffer): Cleaned {
  const parts = [b.subarray(0, 2)]
  const removed: string[] = []
  let p = 2
  for (;;) {
    const start = p
    if (b[p] !== 0xff) throw new Damaged(`no marker at byte ${p}`)
    while (b[p] === 0xff) p++ // fill bytes may come before a marker
    const marker = b[p]
    if (marker === undefined) throw new Damaged('no scan (SOS)')
    if (marker === 0 || marker === SOI || marker === EOI || isStandalone(marker)) {
      throw new Damaged(`unexpected marker FF${hex(marker)} before the scan`)
    }
    const end = segmentEnd(b, p + 1)
    if (marker === SOS) {
      // the entropy-coded data is copied as is; what follows EOI (a trailer, MPF's extra images
      // with their own Exif) is not part of this image and is cut
      const eoi = scanEnd(b, end)
      parts.push(b.subarray(start, eoi))
      if (eoi < b.length) removed.push('trailing data')
      return { bytes: Buffer.concat(parts), removed }
    }
    const dropped = droppedSegment(marker, b.subarray(p + 3, end))
    if (dropped) removed.push(dropped)
    else parts.push(b.subarray(start, end))
    p = end
  }
}

/**
 * Keeps APP0 (JFIF), APP2 when it is an ICC profile (not MPF, which indexes the cut trailer) and
 * APP14 (Adobe colour transform); drops every other APPn (APP1 Exif/XMP carry GPS, APP13 IPTC)
 * and comments. Frame, table and restart-interval segments are kept.
 */
function droppedSegment(marker: number, payload: Buffer): string | undefined {
  if (marker === COM) return 'COM'
  if (marker < 0xe0 || marker > 0xef) return undefined
  const n = marker - 0xe0
  const name = payloadName(payload)
  if (n === 0 || n === 14 || (n === 2 && name === 'ICC_PROFILE')) return undefined
  // a Map: a name such as `constructor` is no label (an object would answer with its prototype's)
  const label = name === undefined ? undefined : APP_NAMES.get(name)
  return label ? `APP${n} ${label}` : `APP${n}`
}

/** The end of a segment whose 2-byte length (counting itself) starts at `at`. */
function segmentEnd(b: Buffer, at: number): number {
  if (at + 2 > b.length) throw new Damaged(`truncated segment at byte ${at}`)
  const end = at + b.readUInt16BE(at)
  if (end < at + 2 || end > b.length) throw new Damaged(`segment at byte ${at} runs past the end`)
  return end
}

/**
 * Just after the EOI that ends the scans starting at `from`. Inside entropy-coded data 0xFF is
 * stuffed (FF 00) or a restart marker (FF D0-D7); any other marker is a segment between scans
 * (a progressive JPEG's tables and next SOS), skipped by its length.
 */
function scanEnd(b: Buffer, from: number): number {
  let p = b.indexOf(0xff, from)
  while (p !== -1) {
    const next = b[p + 1]
    if (next === undefined) break
    if (next === EOI) return p + 2
    if (next === 0xff) p += 1
    else if (next === 0 || isStandalone(next)) p += 2
    else p = segmentEnd(b, p + 2)
    p = b.indexOf(0xff, p)
  }
  throw new Damaged('no end of image (EOI) after the scan')
}

/** TEM and RST0-7 carry no length. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)
}

function payloadName(payload: Buffer): string | undefined {
  const nul = payload.subarray(0, 40).indexOf(0)
  return nul > 0 ? latin1(payload, 0, nul) : undefined
}

// ---- PNG: chunks (length, type, data, CRC) from IHDR to IEND ----

/** Exif (GPS), free text (author, place, software) and the modification time. */
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME'])

function cleanPng(b: Buffer): Cleaned {
  const parts = [b.subarray(0, 8)]
  const removed: string[] = []
  let p = 8
  let type = ''
  let sawData = false
  while (type !== 'IEND') {
    if (p === b.length) throw new Damaged('no IEND chunk')
    if (p + 12 > b.length) throw new Damaged(`truncated chunk at byte ${p}`)
    type = latin1(b, p + 4, 4)
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Damaged(`no chunk type at byte ${p}`)
    if (p === 8 && type !== 'IHDR') throw new Damaged('IHDR is not the first chunk')
    const end = p + 12 + b.readUInt32BE(p)
    if (end > b.length) throw new Damaged(`${type} chunk runs past the end`)
    if (type === 'IDAT') sawData = true
    if (PNG_DROPPED.has(type)) removed.push(type)
    else parts.push(b.subarray(p, end))
    p = end
  }
  if (!sawData) throw new Damaged('no IDAT chunk')
  if (p < b.length) removed.push('trailing data')
  return { bytes: Buffer.concat(parts), removed }
}

// ---- WebP: RIFF chunks (FourCC, little-endian size, data padded to even length) ----

/** VP8X flags byte: the EXIF and XMP bits announce the chunks we drop. */
const VP8X_EXIF = 0x08
const VP8X_XMP = 0x04
const WEBP_DROPPED = new Set(['EXIF', 'XMP '])
const WEBP_IMAGE = new Set(['VP8 ', 'VP8L', 'ANMF'])

function cleanWebp(b: Buffer): Cleaned {
  const riffEnd = 8 + b.readUInt32LE(4)
  if (riffEnd < 12 || riffEnd > b.length) throw new Damaged('RIFF size does not match the file')
  const parts = [b.subarray(0, 12)]
  const removed: string[] = []
  const seen: string[] = []
  let p = 12
  while (p < riffEnd) {
    if (p + 8 > riffEnd) throw new Damaged(`truncated chunk at byte ${p}`)
    const fourcc = latin1(b, p, 4)
    const size = b.readUInt32LE(p + 4)
    const end = p + 8 + size + (size & 1)
    if (end > riffEnd) throw new Damaged(`${fourcc} chunk runs past the end`)
    seen.push(fourcc)
    if (WEBP_DROPPED.has(fourcc)) removed.push(fourcc)
    else if (fourcc === 'VP8X') parts.push(withoutMetadataFlags(b.subarray(p, end)))
    else parts.push(b.subarray(p, end))
    p = end
  }
  if (!['VP8 ', 'VP8L', 'VP8X'].includes(seen[0] ?? '')) throw new Damaged('no VP8, VP8L or VP8X chunk first')
  if (!seen.some((c) => WEBP_IMAGE.has(c))) throw new Damaged('no image data chunk')
  if (riffEnd < b.length) removed.push('trailing data')
  const bytes = Buffer.concat(parts)
  bytes.writeUInt32LE(bytes.length - 8, 4)
  return { bytes, removed }
}

function withoutMetadataFlags(chunk: Buffer): Buffer {
  if (chunk.length < 18) throw new Damaged('VP8X chunk too short')
  const copy = Buffer.from(chunk)
  copy.writeUInt8(copy.readUInt8(8) & ~(VP8X_EXIF | VP8X_XMP), 8)
  return copy
}

// ---- bytes ----

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((v, i) => bytes[i] === v)
}

function latin1(b: Buffer, at: number, length: number): string {
  return b.toString('latin1', at, at + length)
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0')
}
