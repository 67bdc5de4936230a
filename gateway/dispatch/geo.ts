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

/**
 * Half-sizes in degrees of a box that holds the whole circle of `radiusM`
 * around a point at `lat`, on the same sphere as `distanceM` (a box a hair
 * too small would lose carers on the rim).
 */
export function degreeSpan(lat: number, radiusM: number): { dLat: number; dLon: number } {
  const angle = radiusM / EARTH_RADIUS_M
  const reach = Math.sin(angle) / Math.max(Math.cos(lat * RAD), 1e-6)
  const dLon = reach >= 1 ? 180 : Math.asin(reach) / RAD
  const slack = 1 + 1e-9 // rounding must never drop a point exactly on the rim
  return { dLat: (angle / RAD) * slack, dLon: Math.min(180, dLon * slack) }
}
