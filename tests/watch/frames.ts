/**
 * "3G" frames written from the protocol's public description, for the tests:
 * `[MF*ID*LLLL*CONTENT]`, position contents field by field.
 */

export const WATCH_ID = '8600000001'
export const IMEI = '861234567890123'

export interface FrameOptions {
  maker?: string
  id?: string
  /** ZJ devices: a 4-hex index field after the id. */
  index?: string
  /** The length field as written; by default the content's true length. */
  length?: string
}

export function frame(content: string | Buffer, o: FrameOptions = {}): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  const length = o.length ?? body.length.toString(16).toUpperCase().padStart(4, '0')
  const index = o.index === undefined ? '' : `${o.index}*`
  return Buffer.concat([
    Buffer.from(`[${o.maker ?? '3G'}*${o.id ?? WATCH_ID}*${index}${length}*`, 'latin1'),
    body,
    Buffer.from(']', 'latin1'),
  ])
}

/** The frame without its brackets, as the splitter hands it to the decoder. */
export function inner(content: string | Buffer, o: FrameOptions = {}): Buffer {
  const f = frame(content, o)
  return f.subarray(1, f.length - 1)
}

export interface Report {
  /** Device time, epoch ms (UTC). */
  at: number
  valid?: boolean
  lat?: number
  lon?: number
  ns?: string
  ew?: string
  speed?: string
  battery?: number
  steps?: number
  /** The status word as written: 4 or 8 hex digits. */
  status?: string
  /** Everything after the status: cells, then Wi-Fi. */
  radio?: string[]
}

/** One cell (MCC 460, MNC 0) and two access points. */
export const someRadio = [
  '1',
  '0',
  '460',
  '0',
  '9360',
  '4082',
  '-71',
  '2',
  '家',
  'aa:bb:cc:dd:ee:01',
  '-60',
  'ChinaNet-X',
  'aa:bb:cc:dd:ee:02',
  '-75',
]

const two = (n: number) => String(n).padStart(2, '0')

export function deviceDate(at: number): [string, string] {
  const d = new Date(at)
  return [
    `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`,
    `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`,
  ]
}

export function position(type: string, r: Report): string {
  const [date, time] = deviceDate(r.at)
  return [
    type,
    date,
    time,
    r.valid === false ? 'V' : 'A',
    (r.lat ?? 37.3835).toFixed(6),
    r.ns ?? 'N',
    (r.lon ?? 117.9707).toFixed(6),
    r.ew ?? 'E',
    r.speed ?? '0.00',
    '0.0',
    '12.5',
    '7',
    '100',
    String(r.battery ?? 80),
    String(r.steps ?? 1200),
    '0',
    r.status ?? '00000000',
    ...(r.radio ?? ['0', '0']),
  ].join(',')
}

/** The 8-digit status word with these bits set. */
export function status(...bits: number[]): string {
  return bits
    .reduce((w, b) => w + 2 ** b, 0)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0')
}
