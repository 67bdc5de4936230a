import 'leaflet/dist/leaflet.css'
import L from 'leaflet'
import { clock } from '../shared/format.ts'
import { type Datum, shiftTo } from '../shared/geo.ts'
import { t } from '../shared/i18n.ts'
import type { Alarm, Elder, LiveCarer } from '../shared/model.ts'
import { asText, type TileSettings } from '../shared/tiles.ts'

type LatLon = { lat: number; lon: number }

const HOMES_ZOOM = 15
const carerColour = { on: '#2e7d32', busy: '#1565c0', off: '#9e9e9e' }

/** How much bigger than at the base 15 px the root font is (it grows on a wall screen, style.css). */
function uiScale(): number {
  return (Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 15) / 15
}

/** An alarm pin; the box grows with the text so the pin stays centred on its point. */
function pinIcon(html: string, scale: number): L.DivIcon {
  return L.divIcon({ className: 'alarm-pin', html, iconSize: [34 * scale, 22 * scale] })
}

/**
 * Leaflet writes a string tooltip as HTML; names and addresses are anyone's free text (STYLE.md 19:
 * user text is always text), so a tooltip gets an element whose text is set as text.
 */
function textTip(text: string): HTMLElement {
  const el = document.createElement('span')
  el.textContent = text
  return el
}

/** The board's map: alarms as labelled pins (P1 pulses), carers as dots on a canvas layer. */
export class BoardMap {
  readonly #map: L.Map
  readonly #renderer = L.canvas({ padding: 0.2 })
  readonly #alarms = new Map<string, { marker: L.Marker; html: string; lat: number; lon: number }>()
  readonly #carers = new Map<string, L.CircleMarker>()
  readonly #tracks = new Map<string, L.LayerGroup>()
  #shift: (p: LatLon) => LatLon = (p) => p
  readonly #now: () => number
  #fitted = false
  #scale = uiScale()

  constructor(el: HTMLElement, onOpen: (alarmId: string) => void, now: () => number) {
    this.#now = now
    this.#map = L.map(el, { preferCanvas: true, zoomControl: true, attributionControl: true })
    this.#map.setView([35, 105], 5)
    this.#map.attributionControl.setPrefix('Leaflet')
    L.control.scale({ imperial: false }).addTo(this.#map)
    this.#onOpen = onOpen
  }

  /**
   * The base map the gateway's configuration names, before anything is drawn: every point is then
   * shifted from WGS-84 into the tiles' coordinate system. None: the board works without a base map.
   */
  setTiles(tiles: TileSettings | undefined): void {
    if (!tiles) {
      this.#map.attributionControl.addAttribution(t('mapNoTiles'))
      return
    }
    this.#shift = shiftTo(tiles.datum)
    this.#map.getContainer().dataset.datum = tiles.datum
    const remote = !tiles.url.startsWith('/')
    L.tileLayer(tiles.url, {
      subdomains: tiles.subdomains,
      attribution: asText(tiles.attribution),
      minZoom: tiles.minZoom,
      maxNativeZoom: tiles.maxNativeZoom,
      maxZoom: 19,
      ...(tiles.bounds ? { bounds: L.latLngBounds(tiles.bounds) } : {}),
      // a tile server that checks where its key is used sees the gateway's origin, never a path
      ...(remote ? { referrerPolicy: 'strict-origin' as const } : {}),
    }).addTo(this.#map)
  }

  readonly #onOpen: (alarmId: string) => void

  #ll(p: LatLon): L.LatLngExpression {
    const s = this.#shift(p)
    return [s.lat, s.lon]
  }

  setAlarms(alarms: Iterable<Alarm>, unseen: ReadonlySet<string>): void {
    const keep = new Set<string>()
    for (const a of alarms) {
      keep.add(a.id)
      const html = `<span class="pin prio-${a.priority}${unseen.has(a.id) ? ' flash' : ''}">P${a.priority}</span>`
      const known = this.#alarms.get(a.id)
      // touch a pin only when it changed: 500 pins re-laid out on every event cost whole frames
      if (!known) {
        const icon = pinIcon(html, this.#scale)
        const marker = L.marker(this.#ll(a), { icon, keyboard: true, title: `${a.id} P${a.priority}` })
        marker.on('click', () => this.#onOpen(a.id))
        marker.addTo(this.#map)
        this.#alarms.set(a.id, { marker, html, lat: a.lat, lon: a.lon })
        continue
      }
      if (known.lat !== a.lat || known.lon !== a.lon) {
        known.marker.setLatLng(this.#ll(a))
        known.lat = a.lat
        known.lon = a.lon
      }
      if (known.html !== html) {
        known.marker.setIcon(pinIcon(html, this.#scale))
        known.html = html
      }
    }
    for (const [id, known] of this.#alarms) {
      if (keep.has(id)) continue
      known.marker.remove()
      this.#alarms.delete(id)
    }
  }

  setCarer(c: LiveCarer): void {
    const existing = this.#carers.get(c.id)
    if (!c.position) {
      existing?.remove()
      this.#carers.delete(c.id)
      return
    }
    const status = c.duty === 'off' ? 'off' : c.busy ? 'busy' : 'on'
    // shape as well as colour: off duty is hollow, busy has a heavy ring
    const style: L.CircleMarkerOptions = {
      renderer: this.#renderer,
      radius: (status === 'busy' ? 7 : 6) * this.#scale,
      color: status === 'busy' ? '#0d2c54' : carerColour[status],
      weight: (status === 'busy' ? 3 : 2) * this.#scale,
      fillColor: carerColour[status],
      fillOpacity: status === 'off' ? 0 : 0.9,
    }
    if (existing) {
      existing.setLatLng(this.#ll(c.position))
      existing.setStyle(style)
      existing.feature = { type: 'Feature', properties: c, geometry: { type: 'Point', coordinates: [] } }
      return
    }
    const marker = L.circleMarker(this.#ll(c.position), style)
    marker.feature = { type: 'Feature', properties: c, geometry: { type: 'Point', coordinates: [] } }
    marker.bindTooltip(() => {
      const now = marker.feature?.properties as LiveCarer
      const label = now.duty === 'off' ? t('offDuty') : now.busy ? t('busy') : t('onDuty')
      const age = now.position ? t('lastFix', { age: clock(this.#now() - now.position.at) }) : ''
      return textTip(`${now.name} · ${label} · ${age}`)
    })
    marker.addTo(this.#map)
    this.#carers.set(c.id, marker)
  }

  /** Elders' homes, shown from street level (zoom 15) in, where they can be told apart. */
  showHomesOnZoom(load: () => Promise<Elder[]>): void {
    const layer = L.layerGroup()
    let loaded = false
    const update = async () => {
      if (this.#map.getZoom() < HOMES_ZOOM) {
        layer.remove()
        return
      }
      if (!loaded) {
        loaded = true
        const elders = await load().catch(() => {
          loaded = false
          return []
        })
        for (const e of elders) {
          // hollow brown rings: neither an alarm pin nor a carer dot
          L.circleMarker(this.#ll(e.home), {
            renderer: this.#renderer,
            radius: 4,
            color: '#6d4c41',
            weight: 2,
            fillColor: '#fff',
            fillOpacity: 1,
          })
            .bindTooltip(() => textTip(`${t('home')}: ${e.name}${e.address ? ` · ${e.address}` : ''}`))
            .addTo(layer)
        }
      }
      layer.addTo(this.#map)
    }
    this.#map.on('zoomend', () => void update())
    void update()
  }

  /**
   * A wandering elder's track: the line of their fixes since the alarm, the latest as a dot with its
   * accuracy circle. None: the track is taken off (the alarm closed).
   */
  setTrack(alarmId: string, fixes: readonly { lat: number; lon: number; acc?: number }[]): void {
    this.#tracks.get(alarmId)?.remove()
    this.#tracks.delete(alarmId)
    const last = fixes.at(-1)
    if (!last) return
    const group = L.layerGroup([
      L.polyline(
        fixes.map((f) => this.#ll(f)),
        { color: '#6a1b9a', weight: 3, opacity: 0.8, renderer: this.#renderer },
      ),
      L.circle(this.#ll(last), {
        radius: last.acc ?? 0,
        color: '#6a1b9a',
        weight: 1,
        fillOpacity: 0.1,
        renderer: this.#renderer,
      }),
      L.circleMarker(this.#ll(last), {
        radius: 7,
        color: '#fff',
        weight: 2,
        fillColor: '#6a1b9a',
        fillOpacity: 1,
        renderer: this.#renderer,
      }).bindTooltip(textTip(t('trackLatest'))),
    ])
    group.addTo(this.#map)
    this.#tracks.set(alarmId, group)
  }

  /** The first time there is something to show, frame it. */
  fit(points: LatLon[]): void {
    if (this.#fitted || points.length === 0) return
    this.#fitted = true
    // a wall screen shows everything larger: one zoom level closer frames the same district alike
    const maxZoom = this.#scale > 1.5 ? 16 : 15
    this.#map.fitBounds(L.latLngBounds(points.map((p) => this.#ll(p))), { padding: [30, 30], maxZoom })
  }

  /**
   * Centres the map on `p` in the part of it left uncovered: `coveredLeftPx` is how much of the map's
   * left side a panel hides (the alarm detail), so the pin shows beside the panel, not under it.
   */
  focus(p: LatLon, coveredLeftPx = 0): void {
    const zoom = Math.max(this.#map.getZoom(), 15)
    const width = this.#map.getSize().x
    const shift = Math.max(0, Math.min(coveredLeftPx, width - 40)) / 2
    const at = this.#map.project(this.#ll(p), zoom).subtract([shift, 0])
    this.#map.setView(this.#map.unproject(at, zoom), zoom)
  }

  /**
   * Where `p` lies on the page, in CSS pixels, drawn in the tiles' system or in `datum` (the browser
   * tests point at dots and rings with it).
   */
  pagePoint(p: LatLon, datum?: Datum): { x: number; y: number } {
    const box = this.#map.getContainer().getBoundingClientRect()
    const s = datum ? shiftTo(datum)(p) : this.#shift(p)
    const at = this.#map.latLngToContainerPoint([s.lat, s.lon])
    return { x: box.left + at.x, y: box.top + at.y }
  }

  /** After a resize: the map's size, and pins and dots redrawn at the new scale when it changed. */
  invalidate(): void {
    this.#map.invalidateSize()
    const scale = uiScale()
    if (scale === this.#scale) return
    this.#scale = scale
    for (const known of this.#alarms.values()) known.marker.setIcon(pinIcon(known.html, scale))
    for (const marker of this.#carers.values()) {
      const c = marker.feature?.properties as LiveCarer | undefined
      if (c) this.setCarer(c)
    }
  }
}
