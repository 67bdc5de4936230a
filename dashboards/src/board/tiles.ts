/**
 * Map tiles: none by default, so the board works with no network at all.
 * A tile URL can be set with `?tiles=` on the board's address (remembered)
 * or in localStorage `care.tiles`; `&gcj02=1` says the tiles are drawn in
 * GCJ-02 (AMap, Tianditu) and every point is shifted to match.
 */
export interface TileConfig {
  url: string
  gcj02: boolean
  attribution: string
}

const KEY = 'care.tiles'

export function tileConfig(): TileConfig | undefined {
  const q = new URLSearchParams(location.search)
  const url = q.get('tiles')
  if (url !== null) {
    if (url === '') localStorage.removeItem(KEY)
    else {
      const config = { url, gcj02: q.get('gcj02') === '1', attribution: q.get('attribution') ?? '' }
      localStorage.setItem(KEY, JSON.stringify(config))
    }
  }
  const raw = localStorage.getItem(KEY)
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as TileConfig
  } catch {
    return undefined
  }
}
