import { between } from '../bench/lib/prng.ts'
import { JFIF, jpeg } from '../tests/visits/support/images.ts'
import { distanceM } from './behaviour.ts'
import { type District, offset, type Point, type SimCarer } from './district.ts'

/**
 * The district's care between emergencies (docs/visits.md), over the gateway's HTTP API as the carers'
 * phones do it: stations registered and carers linked to them, each elder's visits given to the
 * nearest carer, and rounds in which the carers on shift do the visits due — most at the door with a
 * photo (checked in at one round, reported and checked out at the next), some checked in from down the street, a few noticing needs or finding the elder
 * needing help now, and some left undone, to be missed at the end of the day. Between visits a carer
 * now and then files a report outside the plan. One round is one call (`round`), so a test drives it
 * without timers; the live demo calls it on a timer.
 */

export interface VisitShares {
  /** Visits due that are left undone (missed at the end of the day). */
  skip: number
  /** Checked in 300 m from the door (flagged `far`). */
  far: number
  /** Checked in without a photo. */
  noPhoto: number
  unwell: number
  needsHelp: number
  /** A need noticed (meals, medicine, repairs, money, loneliness). */
  need: number
  /** A report outside the plan, per carer per round. */
  adHoc: number
}

export const defaultShares: VisitShares = {
  skip: 0.15,
  far: 0.05,
  noPhoto: 0.05,
  unwell: 0.12,
  needsHelp: 0.02,
  need: 0.12,
  adHoc: 0.05,
}

export interface VisitStats {
  signedIn: number
  done: number
  skipped: number
  flagged: number
  needs: number
  helpNeeded: number
  reports: number
  refused: number
}

interface Due {
  id: string
  status: string
  elder: { id: string; lat: number; lon: number }
}

const NEEDS = ['meals', 'medicine', 'repairs', 'money', 'loneliness'] as const
const PHOTO = jpeg(JFIF)

export class VisitRounds {
  readonly stats: VisitStats = {
    signedIn: 0,
    done: 0,
    skipped: 0,
    flagged: 0,
    needs: 0,
    helpNeeded: 0,
    reports: 0,
    refused: 0,
  }
  readonly #d: District
  readonly #http: string
  readonly #admin: string
  readonly #random: () => number
  readonly #shares: VisitShares
  readonly #log: (line: string) => void
  readonly #tokens = new Map<string, string>()
  /** Visits a carer decided to leave: not looked at again. */
  readonly #skipped = new Set<string>()

  constructor(o: {
    district: District
    httpUrl: string
    token: string
    random: () => number
    shares?: VisitShares
    log?: (line: string) => void
  }) {
    this.#d = o.district
    this.#http = o.httpUrl
    this.#admin = o.token
    this.#random = o.random
    this.#shares = o.shares ?? defaultShares
    this.#log = o.log ?? (() => undefined)
  }

  /**
   * Stations registered, carers linked to theirs, each elder's visits given to the carer nearest their
   * home, and some of the visits ahead brought to today (`todayShare`) so the rounds have work at once.
   */
  async setup(todayShare = 0): Promise<{ stations: number; plans: number; today: number }> {
    const stations = new Map<string, string>()
    for (const street of this.#d.streets) {
      const id = `ST-${stations.size + 1}`
      stations.set(`${street.name}服务站`, id)
      await this.#call('PUT', `/stations/${id}`, this.#admin, {
        name: `${street.name}服务站`,
        location: street.centre,
      })
    }
    for (const c of this.#d.carers) {
      const { id: _id, shift: _shift, secret: _secret, station, ...carer } = c
      await this.#call('PUT', `/carers/${c.id}`, this.#admin, {
        ...carer,
        station,
        stationId: stations.get(station),
      })
    }
    for (const e of this.#d.elders) {
      await this.#call('PUT', `/elders/${e.id}/visit-plan`, this.#admin, {
        carerId: this.#nearest(e.home).id,
      })
    }
    const today = await this.#bringToToday(todayShare)
    return { stations: stations.size, plans: this.#d.elders.length, today }
  }

  /** As a dispatcher arranging the day: every (1 / share)-th elder's visit ahead brought to today. */
  async #bringToToday(share: number): Promise<number> {
    const carer = this.#d.carers[0]
    if (share <= 0 || !carer) return 0
    const day = (await this.#call<{ today: string }>('GET', `/carers/${carer.id}/visits`, this.#admin))?.today
    if (!day) return 0
    const every = Math.max(1, Math.round(1 / share))
    let moved = 0
    for (const [i, e] of this.#d.elders.entries()) {
      if (i % every !== 0) continue
      const ahead = await this.#call<{ items: { id: string; dueDay: string }[] }>(
        'GET',
        `/visits?elderId=${e.id}&kind=planned&status=due`,
        this.#admin,
      )
      const v = ahead?.items[0]
      if (!v || v.dueDay === day) continue
      if (await this.#call('PATCH', `/visits/${v.id}`, this.#admin, { dueDay: day })) moved++
    }
    return moved
  }

  /** The carers on shift at `hour` do what is due for them; some of it they leave. */
  async round(hour: number): Promise<VisitStats> {
    for (const carer of this.#d.carers) {
      const [from, to] = carer.shift
      const on = from <= to ? hour >= from && hour < to : hour >= from || hour < to
      if (!on) continue
      const token = await this.#token(carer)
      const list = await this.#call<{ items: Due[] }>('GET', `/carers/${carer.id}/visits`, token)
      for (const v of list?.items ?? []) {
        if (this.#skipped.has(v.id)) continue
        if (v.status === 'due' && this.#random() < this.#shares.skip) {
          this.#skipped.add(v.id)
          this.stats.skipped++
          continue
        }
        await this.#visit(carer, token, v)
      }
      if (this.#random() < this.#shares.adHoc && this.#d.elders.length > 0) await this.#adHoc(carer, token)
    }
    return this.stats
  }

  /**
   * At the door: a photo and the check-in now; the report and the check-out at the carer's next round,
   * the visit having lasted until then (the gateway times it on its own clock).
   */
  async #visit(carer: SimCarer, token: string, v: Due): Promise<void> {
    const r = this.#random
    if (v.status !== 'on_site') {
      if (r() >= this.#shares.noPhoto) await this.#upload(v.id, token)
      const door =
        r() < this.#shares.far
          ? offset(v.elder, 300, 0)
          : offset(v.elder, between(r, -15, 15), between(r, -15, 15))
      const signed = await this.#call<{ flags: string[] }>('POST', `/visits/${v.id}/sign-in`, token, {
        ...door,
        acc: Math.round(between(r, 5, 30)),
      })
      if (!signed) return
      this.stats.signedIn++
      if (signed.flags.some((f) => f !== 'late')) this.stats.flagged++
      return
    }
    const roll = r()
    const condition =
      roll < this.#shares.needsHelp ? 'needs_help' : roll < this.#shares.unwell ? 'unwell' : 'well'
    const needs = r() < this.#shares.need ? [NEEDS[Math.floor(r() * NEEDS.length)] as string] : []
    const done = await this.#call('POST', `/visits/${v.id}/sign-out`, token, {
      report: { condition, needs, ...(condition === 'well' ? {} : { note: '已电话告知家属' }) },
    })
    if (!done) return
    this.stats.done++
    if (needs.length > 0) this.stats.needs++
    if (condition === 'needs_help') {
      this.stats.helpNeeded++
      this.#log(`visit ${v.id}: ${carer.name} reports the elder needs help now`)
    }
  }

  async #adHoc(carer: SimCarer, token: string): Promise<void> {
    const elder = this.#d.elders[Math.floor(this.#random() * this.#d.elders.length)]
    if (!elder) return
    const kind = (['call', 'escort', 'passing'] as const)[Math.floor(this.#random() * 3)]
    const filed = await this.#call('POST', '/visits', token, {
      elderId: elder.id,
      kind,
      report: { condition: 'well' },
    })
    if (!filed) return
    this.stats.reports++
    this.#log(`report (${kind}) by ${carer.name} about ${elder.name}`)
  }

  async #upload(visitId: string, token: string): Promise<void> {
    const res = await fetch(`${this.#http}/api/v1/visits/${visitId}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      body: PHOTO,
    })
    if (!res.ok) this.stats.refused++
  }

  #nearest(p: Point): SimCarer {
    let best = this.#d.carers[0] as SimCarer
    for (const c of this.#d.carers) if (distanceM(c.base, p) < distanceM(best.base, p)) best = c
    return best
  }

  /** The carer's phone session (POST /auth/carer), kept for the run. */
  async #token(carer: SimCarer): Promise<string> {
    const known = this.#tokens.get(carer.id)
    if (known) return known
    const session = await this.#call<{ token: string }>('POST', '/auth/carer', undefined, {
      carerId: carer.id,
      secret: carer.secret,
    })
    const token = session?.token ?? ''
    this.#tokens.set(carer.id, token)
    return token
  }

  /** One API call; a refusal is counted and logged, and the round goes on. */
  async #call<T = unknown>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<T | undefined> {
    const headers: Record<string, string> = {}
    if (token) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${this.#http}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    if (!res.ok) {
      this.stats.refused++
      this.#log(`${method} ${path}: ${res.status} ${text.slice(0, 160)}`)
      return undefined
    }
    return (text ? JSON.parse(text) : undefined) as T
  }
}
