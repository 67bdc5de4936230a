import { createHash } from 'node:crypto'
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanImage, contentType, type ImageType, sniff } from '../../gateway/visits/photos/image.ts'
import { FilePhotoStore } from '../../gateway/visits/photos/store.ts'
import {
  ANIM,
  anmf,
  exifSegment,
  gpsTiff,
  JFIF,
  jpeg,
  jpegSegment,
  jpegWithGps,
  PNG_END,
  png,
  pngChunk,
  pngWithText,
  VP8,
  VP8L,
  VP8X_ALPHA,
  VP8X_ANIMATION,
  VP8X_EXIF,
  vp8x,
  webp,
  webpChunk,
  webpWithExif,
} from './support/images.ts'

const MARKER = 'GPS-52.5200N-13.4050E-HOME-OF-E001'

const latin1 = (s: string) => Buffer.from(s, 'latin1')

/** The cleaned bytes, failing the test with the refusal when there are none. */
function cleaned(bytes: Buffer): { bytes: Buffer; removed: string[]; type: ImageType } {
  const result = cleanImage(bytes)
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`)
  return result
}

function refusal(bytes: Uint8Array): string {
  const result = cleanImage(bytes)
  return result.ok ? 'accepted' : result.code
}

/** Every shorter copy of a whole image is refused: as not an image before its magic bytes end, as damaged after. */
function everyTruncation(bytes: Buffer, magic: number): string[] {
  const wrong: string[] = []
  for (let length = 0; length < bytes.length; length++) {
    const expected = length < magic ? 'NOT_AN_IMAGE' : 'IMAGE_DAMAGED'
    const got = refusal(bytes.subarray(0, length))
    if (got !== expected) wrong.push(`${length}: ${got}`)
  }
  return wrong
}

describe('sniffing the type', () => {
  it('knows a JPEG, a PNG and a WebP by their first bytes', () => {
    expect(sniff(jpegWithGps(MARKER))).toBe('jpeg')
    expect(sniff(pngWithText(MARKER))).toBe('png')
    expect(sniff(webpWithExif(MARKER))).toBe('webp')
    expect(sniff(new Uint8Array(jpegWithGps(MARKER)))).toBe('jpeg') // a plain Uint8Array too
    expect(sniff(latin1('RIFF\x04\x00\x00\x00WEBP'))).toBe('webp') // twelve bytes are enough to tell
  })

  it('refuses text, a GIF, an empty buffer and other RIFF files', () => {
    expect(sniff(latin1('hello, this is not a photo'))).toBeUndefined()
    expect(sniff(latin1('GIF89a\x01\x00\x01\x00\x00\x00\x00;'))).toBeUndefined()
    expect(sniff(Buffer.alloc(0))).toBeUndefined()
    expect(sniff(latin1('RIFF\x04\x00\x00\x00WAVE'))).toBeUndefined()
    expect(sniff(latin1('RIFF\x04\x00\x00\x00WEB'))).toBeUndefined() // eleven bytes
    expect(sniff(latin1('RIFF\x04\x00\x00\x00WEBX'))).toBeUndefined()
    expect(sniff(latin1('RIFX\x04\x00\x00\x00WEBP'))).toBeUndefined() // big-endian RIFF
  })

  it('needs every magic byte, not just the first', () => {
    expect(sniff(Buffer.from([0xff, 0xd8, 0x00, 0xe0]))).toBeUndefined()
    expect(sniff(latin1('\x89PNG\n\x1a\n\x00\x00\x00\x0dIHDR'))).toBeUndefined() // its CR LF turned into LF
  })

  it('refuses what it does not know, saying which types it takes', () => {
    expect(cleanImage(latin1('GIF89a'))).toEqual({
      ok: false,
      code: 'NOT_AN_IMAGE',
      message: 'not a JPEG, PNG or WebP image',
    })
  })

  it('names the content type', () => {
    expect(['jpeg', 'png', 'webp'].map((t) => contentType(t as ImageType))).toEqual([
      'image/jpeg',
      'image/png',
      'image/webp',
    ])
  })
})

describe('cleaning a JPEG', () => {
  it('cuts exactly the Exif segment with the GPS position and keeps every other byte', () => {
    const input = jpegWithGps(MARKER)
    const app1 = exifSegment(MARKER)
    const at = input.indexOf(app1)
    const out = cleaned(input)
    expect(out).toMatchObject({ type: 'jpeg', removed: ['APP1 Exif'] })
    expect(out.bytes.includes(MARKER)).toBe(false)
    expect(out.bytes).toEqual(Buffer.concat([input.subarray(0, at), input.subarray(at + app1.length)]))
    expect(out.bytes).toEqual(jpeg(JFIF))
  })

  it('keeps JFIF, an ICC profile and Adobe; drops XMP, IPTC, comments, MPF and other APPn', () => {
    const icc = jpegSegment(0xe2, latin1('ICC_PROFILE\0\x01\x01profile'))
    const adobe = jpegSegment(0xee, latin1('Adobe\0\x64\0\0\0\0\x01'))
    const input = jpeg(
      JFIF,
      exifSegment(MARKER),
      jpegSegment(0xe1, latin1(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>${MARKER}</x:xmpmeta>`)),
      icc,
      jpegSegment(0xe2, latin1(`MPF\0${MARKER}`)),
      jpegSegment(0xed, latin1(`Photoshop 3.0\x008BIM${MARKER}`)),
      jpegSegment(0xfe, latin1(MARKER)),
      jpegSegment(0xef, latin1(MARKER)),
      adobe,
    )
    const out = cleaned(input)
    expect(out.removed).toEqual(['APP1 Exif', 'APP1 XMP', 'APP2 MPF', 'APP13 Photoshop', 'COM', 'APP15'])
    expect(out.bytes.includes(MARKER)).toBe(false)
    expect(out.bytes).toEqual(jpeg(JFIF, icc, adobe))
  })

  it('takes only FFE0 to FFEF as APPn, and keeps an ICC profile in APP2 alone', () => {
    const belowApp0 = jpegSegment(0xdf, Buffer.from([0x11])) // EXP
    const aboveApp15 = jpegSegment(0xf0, latin1('JPG0'))
    const icc = jpegSegment(0xe2, latin1('ICC_PROFILE\0\x01\x01profile'))
    const input = jpeg(
      JFIF,
      belowApp0,
      jpegSegment(0xef, latin1(`${MARKER}\0`)),
      aboveApp15,
      jpegSegment(0xe3, latin1(`ICC_PROFILE\0${MARKER}`)),
      icc,
      jpegSegment(0xe2, latin1(`${MARKER}\0`)),
      jpegSegment(0xe1, latin1(`http://ns.adobe.com/xmp/extension/\0${MARKER}`)),
      jpegSegment(0xe1, Buffer.alloc(0)), // empty, so without a name
      jpegSegment(0xe4, latin1(`constructor\0${MARKER}`)), // a name no object's prototype may answer for
    )
    const out = cleaned(input)
    expect(out.removed).toEqual(['APP15', 'APP3', 'APP2', 'APP1 XMP', 'APP1', 'APP4'])
    expect(out.bytes).toEqual(jpeg(JFIF, belowApp0, aboveApp15, icc))
  })

  it('copies the scans verbatim, past stuffed bytes, restarts and segments between scans, up to EOI', () => {
    const head = jpeg(JFIF).subarray(0, -2) // without EOI
    const between = jpegSegment(0xc4, Buffer.from([0x10, 0xff, 0xd9, 0x00])) // holds FF D9, not an EOI
    const nextScan = jpegSegment(0xda, Buffer.from([1, 1, 0x00, 1, 63, 0]))
    const input = Buffer.concat([
      head,
      Buffer.from([0xff, 0x00, 0xff, 0xd0, 0x12]),
      between,
      nextScan,
      latin1('\x3f\xff\xff\xd9'),
    ])
    expect(cleaned(input)).toMatchObject({ bytes: input, removed: [] })
  })

  it("cuts what follows EOI, such as MPF's second image with its own Exif", () => {
    const input = Buffer.concat([jpegWithGps('first'), jpegWithGps(MARKER)])
    const out = cleaned(input)
    expect(out.removed).toEqual(['APP1 Exif', 'trailing data'])
    expect(out.bytes).toEqual(jpeg(JFIF))
  })

  it('refuses every truncation as damaged', () => {
    expect(everyTruncation(jpegWithGps(MARKER), 3)).toEqual([])
  })

  const SOI = latin1('\xff\xd8')
  const scan = jpeg(JFIF).subarray(0, -2) // up to the end of the scan, without EOI

  it.each([
    ['a byte where a marker should be', Buffer.concat([SOI, JFIF, latin1('junk')]), 'no marker at byte 20'],
    ['a file that ends before the scan', Buffer.concat([SOI, JFIF]), 'no marker at byte 20'],
    ['fill bytes that no marker follows', Buffer.concat([SOI, JFIF, latin1('\xff\xff')]), 'no scan (SOS)'],
    ['a segment length cut short', latin1('\xff\xd8\xff\xe0\x00'), 'truncated segment at byte 4'],
    [
      'a segment longer than the file',
      latin1('\xff\xd8\xff\xe0\x00\x10'),
      'segment at byte 4 runs past the end',
    ],
    ['a segment length of 0', jpeg(latin1('\xff\xe1\x00\x00')), 'segment at byte 4 runs past the end'],
    ['a segment length of 1', jpeg(latin1('\xff\xe1\x00\x01')), 'segment at byte 4 runs past the end'],
    ['a scan without EOI', scan, 'no end of image (EOI) after the scan'],
    ['a scan that ends on FF', jpeg(JFIF).subarray(0, -1), 'no end of image (EOI) after the scan'],
    [
      'a segment between scans longer than the file',
      Buffer.concat([scan, latin1('\xff\xc4\x00\x40')]),
      `segment at byte ${scan.length + 2} runs past the end`,
    ],
  ])('refuses %s, saying so', (_, input, reason) => {
    expect(cleanImage(input)).toEqual({
      ok: false,
      code: 'IMAGE_DAMAGED',
      message: `damaged jpeg: ${reason}`,
    })
  })

  it.each(['00', '01', 'D0', 'D7', 'D8', 'D9'])(
    'refuses FF%s, a marker without a length, before the scan',
    (code) => {
      const input = jpeg(JFIF, Buffer.from([0xff, Number.parseInt(code, 16)]))
      expect(cleanImage(input)).toEqual({
        ok: false,
        code: 'IMAGE_DAMAGED',
        message: `damaged jpeg: unexpected marker FF${code} before the scan`,
      })
    },
  )

  it('lets a fault of its own through instead of calling the photo damaged', () => {
    const photo = jpegWithGps(MARKER)
    const concat = vi.spyOn(Buffer, 'concat').mockImplementation(() => {
      throw new RangeError('Array buffer allocation failed')
    })
    try {
      expect(() => cleanImage(photo)).toThrow(RangeError)
    } finally {
      concat.mockRestore()
    }
  })
})

describe('cleaning a PNG', () => {
  it('drops the text and Exif chunks and keeps the others byte for byte', () => {
    const input = pngWithText(MARKER)
    const out = cleaned(input)
    expect(out).toMatchObject({ type: 'png', removed: ['tEXt', 'eXIf'] })
    expect(out.bytes.includes(MARKER)).toBe(false)
    expect(out.bytes).toEqual(png([]))
  })

  it('drops zTXt, iTXt and tIME too; keeps other ancillary chunks, even with a CRC it does not check', () => {
    const gamma = pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f]))
    const badCrc = Buffer.from(pngChunk('pHYs', Buffer.alloc(9, 1)))
    badCrc.writeUInt32BE(0, badCrc.length - 4)
    const input = png([
      gamma,
      pngChunk('zTXt', latin1(`Comment\0\0${MARKER}`)),
      pngChunk('iTXt', latin1(`Comment\0\0\0en\0\0${MARKER}`)),
      pngChunk('tIME', Buffer.from([0x07, 0xea, 11, 30, 9, 15, 0])),
      badCrc,
    ])
    const out = cleaned(input)
    expect(out.removed).toEqual(['zTXt', 'iTXt', 'tIME'])
    expect(out.bytes).toEqual(png([gamma, badCrc]))
  })

  it('cuts what follows IEND', () => {
    const out = cleaned(Buffer.concat([pngWithText('x'), latin1(MARKER)]))
    expect(out.removed).toEqual(['tEXt', 'eXIf', 'trailing data'])
    expect(out.bytes).toEqual(png([]))
  })

  it('refuses every truncation as damaged', () => {
    expect(everyTruncation(pngWithText(MARKER), 8)).toEqual([])
  })

  const signature = png([]).subarray(0, 8)
  const afterIhdr = 8 + 25
  const idat = png([]).subarray(afterIhdr, -12)
  const tooLong = Buffer.from(pngChunk('tEXt', latin1('a\0b')))
  tooLong.writeUInt32BE(1000, 0)

  it.each([
    ['a PNG without IEND', png([], Buffer.alloc(0)), 'no IEND chunk'],
    ['a chunk head cut short', png([]).subarray(0, afterIhdr + 11), `truncated chunk at byte ${afterIhdr}`],
    ['a chunk type that is not four letters', png([pngChunk('gA1A')]), `no chunk type at byte ${afterIhdr}`],
    [
      'a PNG that does not open with IHDR',
      Buffer.concat([signature, idat, PNG_END]),
      'IHDR is not the first chunk',
    ],
    ['a chunk longer than the file', png([tooLong]), 'tEXt chunk runs past the end'],
    ['a PNG without IDAT', Buffer.concat([png([]).subarray(0, afterIhdr), PNG_END]), 'no IDAT chunk'],
  ])('refuses %s, saying so', (_, input, reason) => {
    expect(cleanImage(input)).toEqual({ ok: false, code: 'IMAGE_DAMAGED', message: `damaged png: ${reason}` })
  })
})

describe('cleaning a WebP', () => {
  it('drops EXIF and XMP, clears their VP8X flags and fixes the RIFF size', () => {
    const input = webpWithExif(MARKER)
    const out = cleaned(input)
    expect(out).toMatchObject({ type: 'webp', removed: ['EXIF', 'XMP '] })
    expect(out.bytes.includes(MARKER)).toBe(false)
    expect(out.bytes.readUInt32LE(4)).toBe(out.bytes.length - 8)
    expect(out.bytes.subarray(12, 16).toString('latin1')).toBe('VP8X')
    expect(out.bytes[20]).toBe(VP8X_ALPHA) // alpha kept, EXIF and XMP bits cleared
    expect(out.bytes).toEqual(webp(vp8x(VP8X_ALPHA), VP8L))
  })

  it('walks odd-sized chunks by their padding and keeps unknown chunks', () => {
    const odd = webpChunk('ABCD', latin1('odd')) // 3 bytes and a pad
    expect(odd.length).toBe(12)
    const input = webp(vp8x(VP8X_EXIF), odd, VP8L, webpChunk('EXIF', gpsTiff(MARKER)))
    const out = cleaned(input)
    expect(out.removed).toEqual(['EXIF'])
    expect(out.bytes).toEqual(webp(vp8x(0), odd, VP8L))
  })

  it('cleans a simple lossless WebP (no VP8X) and cuts what follows the RIFF', () => {
    const out = cleaned(Buffer.concat([webp(VP8L), latin1(MARKER)]))
    expect(out).toMatchObject({ bytes: webp(VP8L), removed: ['trailing data'] })
  })

  it('keeps a simple lossy WebP whole, down to an empty chunk that ends the RIFF', () => {
    const input = webp(VP8, webpChunk('ABCD', Buffer.alloc(0)))
    expect(cleaned(input)).toEqual({ ok: true, type: 'webp', bytes: input, removed: [] })
  })

  it('cleans an animated WebP, whose frames are its image data', () => {
    const frames = [anmf(VP8L), anmf(VP8)]
    const input = webp(vp8x(VP8X_ANIMATION | VP8X_EXIF), ANIM, ...frames, webpChunk('EXIF', gpsTiff(MARKER)))
    const out = cleaned(input)
    expect(out.removed).toEqual(['EXIF'])
    expect(out.bytes).toEqual(webp(vp8x(VP8X_ANIMATION), ANIM, ...frames))
  })

  it('refuses every truncation as damaged', () => {
    expect(everyTruncation(webpWithExif(MARKER), 12)).toEqual([])
  })

  /** A copy whose RIFF header claims `size` bytes after the size field. */
  const withRiffSize = (bytes: Buffer, size: number) => {
    const copy = Buffer.from(bytes)
    copy.writeUInt32LE(size, 4)
    return copy
  }
  const tooLong = Buffer.from(webp(VP8L))
  tooLong.writeUInt32LE(1000, 16)
  const noPad = webp(VP8L).subarray(0, -1) // the VP8L chunk is odd: the RIFF then ends inside its pad

  it.each([
    [
      'a RIFF size past the end of the file',
      withRiffSize(webp(VP8L), 1000),
      'RIFF size does not match the file',
    ],
    ['a RIFF size too small for WEBP', withRiffSize(webp(VP8L), 0), 'RIFF size does not match the file'],
    ['a RIFF without chunks', webp(), 'no VP8, VP8L or VP8X chunk first'],
    ['a chunk head cut short', webp(VP8L, latin1('VP8X')), `truncated chunk at byte ${12 + VP8L.length}`],
    ['a chunk longer than the RIFF', tooLong, 'VP8L chunk runs past the end'],
    [
      'a RIFF that ends inside a pad byte',
      withRiffSize(noPad, noPad.length - 8),
      'VP8L chunk runs past the end',
    ],
    [
      'metadata before the image header',
      webp(webpChunk('EXIF', gpsTiff(MARKER)), VP8L),
      'no VP8, VP8L or VP8X chunk first',
    ],
    ['a VP8X without image data', webp(vp8x(0)), 'no image data chunk'],
    [
      'a VP8X too short for its flags',
      webp(webpChunk('VP8X', Buffer.alloc(4)), VP8L),
      'VP8X chunk too short',
    ],
  ])('refuses %s, saying so', (_, input, reason) => {
    expect(cleanImage(input)).toEqual({
      ok: false,
      code: 'IMAGE_DAMAGED',
      message: `damaged webp: ${reason}`,
    })
  })
})

describe('the photo store on files', () => {
  let root: string
  let dir: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'care-photos-'))
    dir = join(root, 'photos')
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  /** Cleaned photos differ only by what is kept: here, their (pretend) colour profile. */
  const aPhoto = (profile = 'one') =>
    cleaned(jpeg(JFIF, exifSegment(MARKER), jpegSegment(0xe2, latin1(`ICC_PROFILE\0${profile}`)))).bytes
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

  it('keeps a photo by the sha256 of its bytes, in a folder named by the first two digits', async () => {
    const store = new FilePhotoStore(dir)
    await expect(access(dir)).rejects.toThrow() // nothing made before the first put
    const bytes = cleaned(pngWithText(MARKER)).bytes
    const stored = await store.put(bytes, 'png')
    expect(stored).toEqual({ hash: sha256(bytes), type: 'png', size: bytes.length })
    const file = join(dir, stored.hash.slice(0, 2), `${stored.hash}.png`)
    expect(await readFile(file)).toEqual(bytes)
    expect(await store.get(stored.hash)).toEqual({ bytes, type: 'png' })
    expect(await store.has(stored.hash)).toBe(true)
  })

  it('stores the same photo once, however often and however concurrently it is put', async () => {
    const store = new FilePhotoStore(dir)
    const bytes = aPhoto()
    const together = await Promise.all([1, 2, 3].map(() => store.put(Buffer.from(bytes), 'jpeg')))
    const first = await store.put(bytes, 'jpeg')
    expect(together).toEqual([first, first, first])
    const other = await store.put(aPhoto('two'), 'jpeg')
    expect(other.hash).not.toBe(first.hash)
    const folder = join(dir, first.hash.slice(0, 2))
    expect(await readdir(folder)).toEqual([`${first.hash}.jpg`])
  })

  it('leaves no temporary file behind', async () => {
    const store = new FilePhotoStore(dir)
    const puts = ['a', 'b', 'c', 'a', 'b'].map((m) => store.put(aPhoto(m), 'jpeg'))
    const hashes = new Set((await Promise.all(puts)).map((p) => p.hash))
    const files = await readdir(dir, { recursive: true, withFileTypes: true })
    const names = files.filter((f) => f.isFile()).map((f) => f.name)
    expect(names.sort()).toEqual([...hashes].map((h) => `${h}.jpg`).sort())
  })

  it('answers nothing for what is not a hash, and never reads outside its directory', async () => {
    const store = new FilePhotoStore(dir)
    const { hash } = await store.put(aPhoto(), 'jpeg')
    await writeFile(join(root, 'x.jpg'), 'secret')
    for (const name of [
      '../x',
      '../x.jpg',
      hash.toUpperCase(),
      hash.slice(0, 63),
      `${hash}0`,
      `${hash.slice(0, 62)}/.`,
      '',
    ]) {
      expect(await store.get(name)).toBeUndefined()
      expect(await store.has(name)).toBe(false)
      expect(await store.remove(name)).toBe(false)
    }
    expect(await readFile(join(root, 'x.jpg'), 'utf8')).toBe('secret')
    expect(await store.has(hash)).toBe(true)
  })

  it('removes a photo: its file goes, and a second remove finds nothing', async () => {
    const store = new FilePhotoStore(dir)
    const { hash } = await store.put(aPhoto(), 'jpeg')
    expect(await store.remove(hash)).toBe(true)
    await expect(access(join(dir, hash.slice(0, 2), `${hash}.jpg`))).rejects.toThrow()
    expect(await store.get(hash)).toBeUndefined()
    expect(await store.has(hash)).toBe(false)
    expect(await store.remove(hash)).toBe(false)
    expect(await store.get('0'.repeat(64))).toBeUndefined()
  })
})
