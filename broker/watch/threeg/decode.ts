import { createHash } from 'node:crypto'
import type { RadioScan } from '../../../kernel/contract/commands.ts'
import type { Decoded, DecodedFrame } from '../protocol.ts'
import { alarmsOf } from './alarms.ts'
import { frame } from './encode.ts'
import { parseHead, unescapeBinary } from './header.ts'
import { type PositionReport, parsePosition } from './position.ts'

/**
 * One "3G" frame into what it means in the contract's words (docs/devices.md
 * has the whole table): a heartbeat is a `status` (and the day's steps), a
 * fix a `loc`, an alarm frame an `sos` or an `event` — each with a message
 * id derived from the frame, so the same frame sent again is the same
 * message — vitals a `vitals`, a report without a fix the cells and Wi-Fi it
 * heard. Pure: the time is the caller's.
 */
export function decodeFrame(bytes: Buffer, now: number): Decoded {
  const head = parseHead(bytes)
  if (!head.ok) return head
  const { maker, deviceId, index, declaredLength, content } = head.head
  const comma = content.indexOf(0x2c)
  const type = content.toString('latin1', 0, comma < 0 ? content.length : comma)
  if (!TYPE.test(type)) return bad('bad_type', type)
  const decoded: DecodedFrame = {
    ok: true,
    deviceId,
    dialect: index === undefined ? { maker } : { maker, index },
    type,
    kind: 'other',
    alarm: false,
    readings: [],
    notes: [],
  }
  // devices get the length wrong often enough that it is noted, never a reason to refuse
  if (declaredLength !== content.length) decoded.notes.push('length_mismatch')
  if (BINARY.has(type)) {
    // voice and pictures: unescaped to check they read; the gateway keeps none of it
    decoded.kind = 'media'
    if (comma >= 0 && unescapeBinary(content.subarray(comma + 1)).length === 0)
      decoded.notes.push('empty_media')
    return decoded
  }
  const fields = content.toString('utf8').split(',')
  const reply = (text: string) => {
    decoded.reply = frame(deviceId, decoded.dialect, text)
  }
  if (type === 'LK') {
    decoded.kind = 'heartbeat'
    heartbeat(decoded, fields, now)
    reply('LK')
  } else if (POSITION.has(type)) {
    decoded.kind = ALARM.has(type) ? 'alarm' : 'position'
    const result = position(decoded, fields, content, now)
    if (result) return result
    // answered with the type it came as; AL_LTE devices take either, AL is what all of them know
    if (decoded.alarm) reply('AL')
  } else if (VITALS.has(type)) {
    decoded.kind = 'vitals'
    vitals(decoded, fields, now)
  } else if (ECHOED.has(type)) {
    decoded.kind = 'echo'
    reply(type)
  } else if (ANSWERS.has(type)) {
    decoded.kind = 'answer'
    decoded.answered = type
  }
  return decoded
}

const TYPE = /^[A-Za-z][A-Za-z0-9_]{0,23}$/
const POSITION = new Set(['UD', 'UD2', 'UD_LTE', 'UD_WCDMA', 'WT', 'AL', 'AL_LTE'])
const ALARM = new Set(['AL', 'AL_LTE'])
const VITALS = new Set(['heart', 'bphrt', 'btemp2', 'oxygen'])
const ECHOED = new Set(['TKQ', 'TKQ2'])
/** The device's answers to our commands: each comes back with the command's type. */
const ANSWERS = new Set([
  'CR',
  'UPLOAD',
  'SOS1',
  'SOS2',
  'SOS3',
  'SOS',
  'CENTER',
  'MESSAGE',
  'FIND',
  'POWEROFF',
])
/** Types whose content after the type is binary, escaped. */
const BINARY = new Set(['TK', 'img'])

/** `LK[,steps,rolls,battery]`: the device is there; its battery, and the day's steps. */
function heartbeat(d: DecodedFrame, fields: readonly string[], now: number): void {
  const steps = whole(fields[1])
  const battery = percent(fields[3])
  d.readings.push({
    leaf: 'status',
    payload: battery === undefined ? { online: true } : { online: true, battery },
  })
  if (steps !== undefined) d.readings.push({ leaf: 'vitals', payload: { ts: now, steps } })
}

function position(
  d: DecodedFrame,
  fields: readonly string[],
  content: Buffer,
  now: number,
): Decoded | undefined {
  const parsed = parsePosition(fields)
  if (!parsed.ok) return parsed
  const r = parsed.report
  if (r.ts === undefined) d.notes.push('no_device_time')
  if (r.radioUnread) d.notes.push('radio_unread')
  const ts = r.ts ?? now
  const at = r.fix ? { lat: r.lat, lon: r.lon } : {}
  const battery = percent(String(r.battery ?? ''))
  if (ALARM.has(d.type)) {
    // contract: the id makes the message idempotent — the same frame sent again is the same id
    const id = messageId(d.type, content)
    d.alarm = true
    const flags = alarmsOf(r.status, r.statusDigits)
    if (flags.sos)
      d.readings.push({
        leaf: 'sos',
        payload: { id, ts, ...at, ...(battery === undefined ? {} : { battery }) },
      })
    for (const type of flags.events)
      d.readings.push({ leaf: 'event', payload: { id: `${id}-${type}`, ts, type, ...at } })
    if (flags.fenceEntry) d.notes.push('fence_entry')
  }
  if (r.fix) d.readings.push({ leaf: 'loc', payload: loc(r, ts, battery) })
  else {
    d.notes.push('no_fix')
    const scan = scanOf(r, ts)
    if (scan) d.scan = scan
  }
  return undefined
}

function loc(r: PositionReport, ts: number, battery: number | undefined): Record<string, unknown> {
  const payload: Record<string, unknown> = { ts, lat: r.lat, lon: r.lon, src: 'gps' }
  if (r.speedKmh !== undefined) payload.speed = r.speedKmh
  if (battery !== undefined) payload.battery = battery
  return payload
}

function scanOf(r: PositionReport, ts: number): RadioScan | undefined {
  if (r.cells.length === 0 && r.wifi.length === 0) return undefined
  return { ts, cells: r.cells, wifi: r.wifi }
}

/**
 * `heart,<hr>`, `bphrt,<sys>,<dia>[,<hr>]`, `btemp2,<mode>,<temp>` (or `btemp2,<temp>`),
 * `oxygen,<spo2>`. A zero is "not measured" (watches send it when the sensor found no
 * pulse), never a reading: a heart rate of 0 would be an alarm.
 */
function vitals(d: DecodedFrame, fields: readonly string[], now: number): void {
  const v = (i: number) => {
    const n = Number(fields[i])
    return fields[i] !== undefined && fields[i] !== '' && Number.isFinite(n) && n > 0 ? n : undefined
  }
  const payload: Record<string, unknown> = { ts: now }
  const put = (key: string, value: number | undefined) => {
    if (value !== undefined) payload[key] = value
  }
  switch (d.type) {
    case 'heart':
      put('hr', v(1))
      break
    case 'bphrt':
      put('sys', v(1))
      put('dia', v(2))
      put('hr', v(3))
      break
    case 'btemp2':
      put('temp', fields.length > 2 ? v(2) : v(1))
      break
    case 'oxygen':
      put('spo2', v(1))
      break
  }
  if (Object.keys(payload).length > 1) d.readings.push({ leaf: 'vitals', payload })
  else d.notes.push('not_measured')
}

/**
 * A stable message id for an alarm frame: its type and content (which carry the device's time)
 * hashed — a retransmission of the same frame is the same message (docs/decisions.md).
 */
export function messageId(type: string, content: Buffer): string {
  const hash = createHash('sha256').update(type).update('\u0000').update(content).digest('hex')
  return `w${hash.slice(0, 24)}`
}

function whole(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,7}$/.test(text) ? Number(text) : undefined
}

function percent(text: string | undefined): number | undefined {
  const n = whole(text)
  return n !== undefined && n <= 100 ? n : undefined
}

function bad(reason: string, detail: string): Decoded {
  return { ok: false, reason, detail: JSON.stringify(detail.slice(0, 32)) }
}
