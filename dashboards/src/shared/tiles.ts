import type { Datum } from './geo.ts'
import { session } from './session.ts'

/**
 * The base map, as the gateway's administrator configured it (`CARE_TILES_*`, docs/web.md "Tiles"),
 * read from `GET /map/settings` after login. Nothing on the page's address or in the browser's storage
 * can change it: a link a stranger sends must not choose where the map loads from or what its credit
 * line says (docs/security.md).
 */
export interface TileSettings {
  url: string
  subdomains: string
  datum: Datum
  attribution: string
  minZoom: number
  maxNativeZoom: number
  bounds?: [[number, number], [number, number]]
}

/** Where an earlier version of the board kept a tile URL taken from its address; removed on sight. */
const LEGACY_KEY = 'care.tiles'

export async function loadTileSettings(): Promise<TileSettings | undefined> {
  localStorage.removeItem(LEGACY_KEY)
  const token = session()?.token
  const res = await fetch('/map/settings', token ? { headers: { authorization: `Bearer ${token}` } } : {})
  if (!res.ok) return undefined
  const body = (await res.json()) as { tiles: TileSettings | null }
  return body.tiles ?? undefined
}

/** Leaflet writes attributions as HTML; the configured credit is text, so it goes in escaped. */
export function asText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
