import { type Fix, REFRESH_MS, worthSending } from './fixes.ts'

/**
 * While the carer is on duty, the phone's position goes to the gateway as `loc` (contract: the
 * carer uplink `{ts, lat, lon, acc?}`), so dispatch can rank them by distance.
 */
export class PositionReporter {
  readonly #send: (fix: Fix) => boolean
  #watch: number | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #last: { fix: Fix; sentAt: number } | undefined

  /** `send` answers whether the fix went out (not while the link is down). */
  constructor(send: (fix: Fix) => boolean) {
    this.#send = send
  }

  get running(): boolean {
    return this.#watch !== undefined
  }

  start(): void {
    if (this.#watch !== undefined || !navigator.geolocation) return
    const options = { enableHighAccuracy: true, maximumAge: 30_000, timeout: 30_000 }
    this.#watch = navigator.geolocation.watchPosition(
      (p) => this.#consider(p),
      () => undefined,
      options,
    )
    this.#timer = setInterval(() => {
      navigator.geolocation.getCurrentPosition(
        (p) => this.#consider(p),
        () => undefined,
        options,
      )
    }, REFRESH_MS)
  }

  stop(): void {
    if (this.#watch !== undefined) navigator.geolocation.clearWatch(this.#watch)
    clearInterval(this.#timer)
    this.#watch = undefined
    this.#timer = undefined
    this.#last = undefined
  }

  #consider(p: GeolocationPosition): void {
    const fix: Fix = {
      ts: Math.round(p.timestamp),
      lat: p.coords.latitude,
      lon: p.coords.longitude,
      acc: Math.min(100_000, Math.round(p.coords.accuracy)),
    }
    const now = Date.now()
    if (!worthSending(this.#last, fix, now)) return
    if (this.#send(fix)) this.#last = { fix, sentAt: now }
  }
}
