/**
 * The "3G" frame's head: `MF*ID*LLLL*CONTENT`, or `MF*ID*IIII*LLLL*CONTENT`
 * with an index field (ZJ devices), between the brackets the splitter took
 * off. Content may hold `*` itself: only the fields before it are split.
 */
export interface Head {
  /** Maker letters (3G, SG, CS, ZJ…). */
  maker: string
  deviceId: string
  /** The 4-hex index field, when the device sends one; replies echo it. */
  index?: string
  /** The content length the device declared: never trusted (docs/devices.md). */
  declaredLength: number
  content: Buffer
}

export type HeadResult = { ok: true; head: Head } | { ok: false; reason: string; detail: string }

const STAR = 0x2a
const MAKER = /^[A-Z0-9]{2}$/
/** 10-digit registration ids, 15-digit IMEIs, and the lengths between that some makers use. */
const DEVICE_ID = /^[0-9]{10,16}$/
const HEX4 = /^[0-9A-Fa-f]{4}$/
const LENGTH = /^[0-9A-Fa-f]{1,4}$/

/** The field of `frame` from `from` to the next `*`, and where the one after starts. */
function field(frame: Buffer, from: number): { text: string; next: number } | undefined {
  const star = frame.indexOf(STAR, from)
  if (star < 0) return undefined
  return { text: frame.toString('latin1', from, star), next: star + 1 }
}

export function parseHead(frame: Buffer): HeadResult {
  const maker = field(frame, 0)
  if (!maker || !MAKER.test(maker.text)) return bad('bad_maker', maker?.text)
  const id = field(frame, maker.next)
  if (!id || !DEVICE_ID.test(id.text)) return bad('bad_device_id', id?.text)
  const third = field(frame, id.next)
  if (!third || !LENGTH.test(third.text)) return bad('bad_length_field', third?.text)
  // an index is a 4-hex field followed by a second hex field (the length) before the content
  const fourth = HEX4.test(third.text) ? field(frame, third.next) : undefined
  if (fourth && LENGTH.test(fourth.text)) {
    return ok({
      maker: maker.text,
      deviceId: id.text,
      index: third.text,
      declaredLength: Number.parseInt(fourth.text, 16),
      content: frame.subarray(fourth.next),
    })
  }
  return ok({
    maker: maker.text,
    deviceId: id.text,
    declaredLength: Number.parseInt(third.text, 16),
    content: frame.subarray(third.next),
  })
}

function ok(head: Head): HeadResult {
  return { ok: true, head }
}

function bad(reason: string, text: string | undefined): HeadResult {
  return { ok: false, reason, detail: text === undefined ? 'missing' : JSON.stringify(text.slice(0, 32)) }
}

/** Binary content escapes `}` `[` `]` `,` `*` as 0x7D followed by 0x01…0x05. */
const ESCAPED = [0x7d, 0x5b, 0x5d, 0x2c, 0x2a] as const
const ESC = 0x7d

export function unescapeBinary(data: Buffer): Buffer {
  if (data.indexOf(ESC) < 0) return data
  const out = Buffer.allocUnsafe(data.length)
  let n = 0
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] as number
    const code = data[i + 1]
    if (byte === ESC && code !== undefined && code >= 1 && code <= 5) {
      out[n++] = ESCAPED[code - 1] as number
      i++
    } else out[n++] = byte
  }
  return out.subarray(0, n)
}

export function escapeBinary(data: Buffer): Buffer {
  const out: number[] = []
  for (const byte of data) {
    const code = ESCAPED.indexOf(byte as (typeof ESCAPED)[number])
    if (code >= 0) out.push(ESC, code + 1)
    else out.push(byte)
  }
  return Buffer.from(out)
}
