/**
 * A "3G" position report (`UD`, `UD2`, `UD_LTE`, `UD_WCDMA`, `WT`, `AL`,
 * `AL_LTE`), field by field after the type:
 * date `ddMMyy`, time `HHmmss` (UTC), `A`/`V`, latitude, `N`/`S`, longitude,
 * `E`/`W`, speed km/h, course, altitude, satellites, GSM signal, battery %,
 * steps, rolls, status (hex), then cells (count; when there are any, timing
 * advance, MCC, MNC, then LAC, CID, signal each) and Wi-Fi (count, then
 * SSID, MAC, signal each). Anything after is ignored.
 */
export interface PositionReport {
  /** The device's time, epoch ms; undefined when it sent none that reads (all zeros, a 13th month). */
  ts: number | undefined
  /** `A`, with coordinates that are not both zero. */
  fix: boolean
  lat: number
  lon: number
  speedKmh: number | undefined
  battery: number | undefined
  steps: number | undefined
  /** The status word; undefined when it does not read as 4 or 8 hex digits. */
  status: number | undefined
  statusDigits: number
  cells: Cell[]
  wifi: AccessPoint[]
  /** The cell or Wi-Fi list did not read: the fix is kept, the lists dropped. */
  radioUnread: boolean
}

export interface Cell {
  mcc: number
  mnc: number
  lac: number
  cid: number
  signal: number
}

export interface AccessPoint {
  ssid: string
  mac: string
  signal: number
}

export type PositionResult =
  | { ok: true; report: PositionReport }
  | { ok: false; reason: string; detail: string }

const STATUS = /^(?:[0-9A-Fa-f]{4}|[0-9A-Fa-f]{8})$/
const DECIMAL = /^-?\d+(\.\d+)?$/

/** `fields`: the content split on commas, the type first. */
export function parsePosition(fields: readonly string[]): PositionResult {
  const f = (i: number) => fields[i + 1] ?? ''
  if (fields.length < 17) return bad('short_position', `${fields.length - 1} fields`)
  const lat = Number(f(3))
  const lon = Number(f(5))
  if (!DECIMAL.test(f(3)) || !DECIMAL.test(f(5))) return bad('bad_coordinates', `${f(3)},${f(5)}`)
  const south = f(4).toUpperCase() === 'S'
  const west = f(6).toUpperCase() === 'W'
  // an empty hemisphere letter is north and east: the devices that leave it out are sold where both hold
  const signedLat = south ? -Math.abs(lat) : lat
  const signedLon = west ? -Math.abs(lon) : lon
  if (Math.abs(signedLat) > 90 || Math.abs(signedLon) > 180) return bad('bad_coordinates', `${lat},${lon}`)
  const status = f(15)
  const report: PositionReport = {
    ts: deviceTime(f(0), f(1)),
    fix: f(2).toUpperCase() === 'A' && !(lat === 0 && lon === 0),
    lat: signedLat,
    lon: signedLon,
    speedKmh: number(f(7)),
    battery: number(f(12)),
    steps: number(f(13)),
    status: STATUS.test(status) ? Number.parseInt(status, 16) : undefined,
    statusDigits: status.length,
    cells: [],
    wifi: [],
    radioUnread: false,
  }
  const radio = parseRadio(fields.slice(17))
  if (radio) {
    report.cells = radio.cells
    report.wifi = radio.wifi
  } else report.radioUnread = true
  return { ok: true, report }
}

/** ddMMyy HHmmss, UTC. */
export function deviceTime(date: string, time: string): number | undefined {
  if (!/^\d{6}$/.test(date) || !/^\d{6}$/.test(time)) return undefined
  const [dd, mm, yy] = [date.slice(0, 2), date.slice(2, 4), date.slice(4, 6)].map(Number) as [
    number,
    number,
    number,
  ]
  const [h, m, s] = [time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number) as [
    number,
    number,
    number,
  ]
  if (dd < 1 || dd > 31 || mm < 1 || mm > 12 || h > 23 || m > 59 || s > 59) return undefined
  const at = Date.UTC(2000 + yy, mm - 1, dd, h, m, s)
  // 31 February and the like roll over into March: not a date
  return new Date(at).getUTCDate() === dd ? at : undefined
}

/** The cell and Wi-Fi lists; undefined when they do not read. */
function parseRadio(rest: readonly string[]): { cells: Cell[]; wifi: AccessPoint[] } | undefined {
  if (rest.length === 0) return { cells: [], wifi: [] }
  let i = 0
  const next = () => rest[i++]
  const count = integer(next())
  if (count === undefined || count > 16) return undefined
  const cells: Cell[] = []
  if (count > 0) {
    next() // timing advance
    const mcc = integer(next())
    const mnc = integer(next())
    if (mcc === undefined || mnc === undefined) return undefined
    for (let c = 0; c < count; c++) {
      const lac = cellNumber(next())
      const cid = cellNumber(next())
      const signal = number(next() ?? '')
      if (lac === undefined || cid === undefined || signal === undefined) return undefined
      cells.push({ mcc, mnc, lac, cid, signal })
    }
  }
  if (i >= rest.length) return { cells, wifi: [] }
  const aps = integer(next())
  if (aps === undefined || aps > 16) return undefined
  const wifi: AccessPoint[] = []
  for (let w = 0; w < aps; w++) {
    const ssid = next()
    const mac = next()
    const signal = number(next() ?? '')
    if (ssid === undefined || mac === undefined || signal === undefined) return undefined
    wifi.push({ ssid, mac, signal })
  }
  return { cells, wifi }
}

function number(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined
}

/**
 * A LAC or cell id: decimal, or hex on the makers that send it so — a field
 * with a letter a–f (or a 0x prefix) is hex; all digits are decimal
 * (docs/decisions.md, "Cell ids").
 */
export function cellNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (/^\d{1,10}$/.test(text)) return Number(text)
  const hex = /^(?:0x)?([0-9A-Fa-f]{1,9})$/i.exec(text)
  return hex ? Number.parseInt(hex[1] as string, 16) : undefined
}

function bad(reason: string, detail: string): PositionResult {
  return { ok: false, reason, detail }
}
