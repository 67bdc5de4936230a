/** Distances, the contract's ETA rule, and the GCJ-02 and BD-09 shifts for Chinese map tiles. */

const EARTH_M = 6_371_000

export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_M * Math.asin(Math.sqrt(h))
}

/** contract: speeds in km/h by mode. */
export const speedKmh: Readonly<Record<string, number>> = { walk: 4.5, bike: 12, ebike: 18, car: 25 }

/** contract: ETA = straight-line distance × 1.3 detour ÷ speed, in minutes. */
export function etaMin(meters: number, mode: string): number {
  const kmh = speedKmh[mode] ?? speedKmh.walk ?? 4.5
  return ((meters * 1.3) / 1000 / kmh) * 60
}

// GCJ-02, the offset datum AMap's and Tencent's tiles are drawn in (Tianditu's are CGCS2000, practically
// WGS-84, and need no shift): the published Krasovsky-ellipsoid formula.
const A = 6_378_245
const EE = 0.006_693_421_622_965_943

function outsideChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

function shiftLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3
  return r
}

function shiftLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3
  return r
}

/** WGS-84 → GCJ-02; points outside China are left as they are. */
export function toGcj02(p: { lat: number; lon: number }): { lat: number; lon: number } {
  if (outsideChina(p.lat, p.lon)) return p
  let dLat = shiftLat(p.lon - 105, p.lat - 35)
  let dLon = shiftLon(p.lon - 105, p.lat - 35)
  const radLat = (p.lat / 180) * Math.PI
  let magic = Math.sin(radLat)
  magic = 1 - EE * magic * magic
  const sqrtMagic = Math.sqrt(magic)
  dLat = (dLat * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI)
  dLon = (dLon * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI)
  return { lat: p.lat + dLat, lon: p.lon + dLon }
}

// BD-09, Baidu's datum: a further published shift of GCJ-02, a small rotation and scaling about the
// origin plus a fixed offset (about 700 m in northern China).
const X_PI = (Math.PI * 3000) / 180

/** GCJ-02 → BD-09. */
export function gcj02ToBd09(p: { lat: number; lon: number }): { lat: number; lon: number } {
  const z = Math.sqrt(p.lon * p.lon + p.lat * p.lat) + 0.00002 * Math.sin(p.lat * X_PI)
  const theta = Math.atan2(p.lat, p.lon) + 0.000003 * Math.cos(p.lon * X_PI)
  return { lat: z * Math.sin(theta) + 0.006, lon: z * Math.cos(theta) + 0.0065 }
}

/** WGS-84 → BD-09; points outside China are left as they are, as with GCJ-02. */
export function toBd09(p: { lat: number; lon: number }): { lat: number; lon: number } {
  if (outsideChina(p.lat, p.lon)) return p
  return gcj02ToBd09(toGcj02(p))
}

export type Datum = 'wgs84' | 'gcj02' | 'bd09'

/** How a WGS-84 point (what devices and phones report) is moved to sit right on tiles drawn in `datum`. */
export function shiftTo(datum: Datum): (p: { lat: number; lon: number }) => { lat: number; lon: number } {
  switch (datum) {
    case 'wgs84':
      return (p) => p
    case 'gcj02':
      return toGcj02
    case 'bd09':
      return toBd09
  }
}
