import type { Point } from './types.ts'

const EARTH_RADIUS_M = 6_371_008.8
const RAD = Math.PI / 180

/** Great-circle distance in metres between two WGS-84 points (haversine). */
export function distanceM(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RAD
  const dLon = (b.lon - a.lon) * RAD
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** contract: ETA = straight-line distance × detour ÷ speed, in minutes. */
export function etaMinutes(straightM: number, detour: number, speedKmh: number): number {
  return ((straightM * detour) / 1000 / speedKmh) * 60
}

/** Metres per degree of latitude, and of longitude at `lat`: enough for a bounding box. */
export function degreeSpan(lat: number, radiusM: number): { dLat: number; dLon: number } {
  const dLat = radiusM / 111_320
  const cos = Math.max(Math.cos(lat * RAD), 1e-6)
  return { dLat, dLon: Math.min(180, radiusM / (111_320 * cos)) }
}
