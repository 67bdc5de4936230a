import 'leaflet/dist/leaflet.css'
import L from 'leaflet'
import { type Datum, shiftTo } from '../shared/geo.ts'
import { t } from '../shared/i18n.ts'
import { asText, type TileSettings } from '../shared/tiles.ts'
import { roundDegrees, unshiftFrom } from './elder-geo.ts'

type LatLon = { lat: number; lon: number }

/** Close enough to tell one house from the next (about 1 m a pixel here). */
const HOME_ZOOM = 17

/**
 * The map on which the home is set, drawn like the board's (the same base map and datum, shared with
 * it through board/tiles.ts). The registry stores WGS-84; the tiles may be drawn in GCJ-02 or BD-09,
 * so the home is shifted into the tiles' system to be drawn, and a click is shifted back before it
 * is handed on (docs/web.md, "Which datum").
 */
export class HomePicker {
  readonly #map: L.Map
  readonly #onPick: (p: LatLon) => void
  #datum: Datum = 'wgs84'
  #shift: (p: LatLon) => LatLon = (p) => p
  #unshift: (p: LatLon) => LatLon = (p) => p
  #home: L.CircleMarker | undefined
  #fence: L.Circle | undefined
  /** What `show` was last given, drawn again when the base map's datum becomes known. */
  #shown: { home: LatLon | undefined; radiusM: number | undefined } = { home: undefined, radiusM: undefined }

  constructor(el: HTMLElement, onPick: (p: LatLon) => void) {
    this.#onPick = onPick
    this.#map = L.map(el, { zoomControl: true, attributionControl: true, keyboard: true })
    this.#map.attributionControl.setPrefix('Leaflet')
    this.#map.setView([35, 105], 4)
    L.control.scale({ imperial: false }).addTo(this.#map)
    this.#map.on('click', (e: L.LeafletMouseEvent) => {
      const at = e.latlng.wrap()
      this.#onPick(this.#wgs84({ lat: at.lat, lon: at.lng }))
    })
  }

  /** The base map the gateway names, before anything is drawn; none: a blank map that still picks. */
  setTiles(tiles: TileSettings | undefined): void {
    if (!tiles) {
      this.#map.attributionControl.addAttribution(t('mapNoTiles'))
      return
    }
    this.#datum = tiles.datum
    this.#shift = shiftTo(tiles.datum)
    this.#unshift = unshiftFrom(tiles.datum)
    this.#map.getContainer().dataset.datum = tiles.datum
    L.tileLayer(tiles.url, {
      subdomains: tiles.subdomains,
      attribution: asText(tiles.attribution),
      minZoom: tiles.minZoom,
      maxNativeZoom: tiles.maxNativeZoom,
      maxZoom: 19,
      ...(tiles.bounds ? { bounds: L.latLngBounds(tiles.bounds) } : {}),
      ...(tiles.url.startsWith('/') ? {} : { referrerPolicy: 'strict-origin' as const }),
    }).addTo(this.#map)
    const { home, radiusM } = this.#shown
    if (home) this.show(home, radiusM, true)
    else if (tiles.bounds) this.#map.fitBounds(L.latLngBounds(tiles.bounds), { animate: false })
  }

  /** Draws the home and its geofence (nothing without a home); `centre` brings it into view. */
  show(home: LatLon | undefined, radiusM: number | undefined, centre: boolean): void {
    this.#shown = { home, radiusM }
    this.#home?.remove()
    this.#fence?.remove()
    this.#home = undefined
    this.#fence = undefined
    if (!home) return
    const at = this.#ll(home)
    if (radiusM !== undefined && radiusM > 0) {
      this.#fence = L.circle(at, {
        radius: radiusM,
        color: '#1565c0',
        weight: 2,
        fill: false,
        dashArray: '6 4',
        interactive: false,
      }).addTo(this.#map)
    }
    // the board's home ring, filled: the one place this map is about
    this.#home = L.circleMarker(at, {
      radius: 8,
      color: '#6d4c41',
      weight: 3,
      fillColor: '#ffb300',
      fillOpacity: 0.9,
      interactive: false,
    }).addTo(this.#map)
    if (!centre) return
    // a jump, not a flight: the map is where it says at once (and a click lands where it was aimed)
    if (radiusM !== undefined && radiusM > 0) {
      this.#map.fitBounds(around(at, radiusM), { maxZoom: HOME_ZOOM, padding: [10, 10], animate: false })
    } else {
      this.#map.setView(at, Math.max(this.#map.getZoom(), HOME_ZOOM), { animate: false })
    }
  }

  /** Where the map is looking, in WGS-84 (the keyboard's way to set a home: pan, then take the centre). */
  centre(): LatLon {
    const c = this.#map.getCenter().wrap()
    return this.#wgs84({ lat: c.lat, lon: c.lng })
  }

  /** Where `p` (WGS-84) lies on the page in CSS pixels, drawn in the tiles' system (the tests click it). */
  pagePoint(p: LatLon): { x: number; y: number } {
    const box = this.#map.getContainer().getBoundingClientRect()
    const at = this.#map.latLngToContainerPoint(this.#ll(p))
    return { x: box.left + at.x, y: box.top + at.y }
  }

  get datum(): Datum {
    return this.#datum
  }

  invalidate(): void {
    this.#map.invalidateSize()
  }

  remove(): void {
    this.#map.remove()
  }

  #ll(p: LatLon): L.LatLngTuple {
    const s = this.#shift(p)
    return [s.lat, s.lon]
  }

  #wgs84(p: LatLon): LatLon {
    const w = this.#unshift(p)
    return { lat: roundDegrees(w.lat), lon: roundDegrees(w.lon) }
  }
}

/** The box `radiusM` metres around `at`, to frame a geofence whole. */
function around([lat, lon]: L.LatLngTuple, radiusM: number): L.LatLngBounds {
  const dLat = radiusM / 111_320
  const dLon = radiusM / (111_320 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)))
  return L.latLngBounds([lat - dLat, lon - dLon], [lat + dLat, lon + dLon])
}
