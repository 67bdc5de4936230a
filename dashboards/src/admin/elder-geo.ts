import { type Datum, shiftTo } from '../shared/geo.ts'

type LatLon = { lat: number; lon: number }

/**
 * The way back from a point on tiles drawn in `datum` to WGS-84, which is what the registry stores
 * (devices report WGS-84, docs/web.md "Which datum"). The published shifts have no closed inverse;
 * they are smooth and at most a kilometre or so, so stepping by the residual of the forward shift
 * reaches the millimetre in a few rounds.
 */
export function unshiftFrom(datum: Datum): (q: LatLon) => LatLon {
  const forward = shiftTo(datum)
  return (q) => {
    let p = q
    for (let round = 0; round < 20; round++) {
      const s = forward(p)
      const dLat = q.lat - s.lat
      const dLon = q.lon - s.lon
      p = { lat: p.lat + dLat, lon: p.lon + dLon }
      if (Math.abs(dLat) < 1e-10 && Math.abs(dLon) < 1e-10) break
    }
    return p
  }
}

/** Six decimals of a degree: about 0.1 m, finer than any fix a device reports. */
export function roundDegrees(x: number): number {
  return Math.round(x * 1e6) / 1e6
}

/**
 * "37.3835, 117.9707" as pasted from a map or a spreadsheet (a comma, a Chinese comma, a semicolon or
 * spaces between), latitude first; undefined when it is not two numbers. The numbers are not range
 * checked here: the API says what is wrong with them, next to the field.
 */
export function parseLatLon(text: string): LatLon | undefined {
  const m = /^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*(?:[,，;；]\s*|\s+)(-?\d+(?:\.\d+)?)\s*\)?\s*$/.exec(text)
  if (!m) return undefined
  return { lat: Number(m[1]), lon: Number(m[2]) }
}
