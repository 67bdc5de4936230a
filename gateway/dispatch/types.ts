/** The dispatch engine's vocabulary. The engine is pure: these in, decisions out. */

/** contract: 1 is offered in parallel, 2 and 3 one carer at a time, 4 never (shown to the centre only). */
export type Priority = 1 | 2 | 3 | 4

/** The elder's risk grade: it sets how many carers are asked at once and how long an offer stands. */
export type Risk = 'high' | 'medium' | 'low' | 'safe'

export interface Point {
  lat: number
  lon: number
}

export const travelModes = ['walk', 'bike', 'ebike', 'car'] as const
export type TravelMode = (typeof travelModes)[number]

/** What dispatch knows of a carer at the moment of choosing. */
export interface CarerState {
  id: string
  mode: TravelMode
  duty: 'on' | 'off'
  /** Last reported position and when (epoch ms). */
  position?: Point & { at: number }
  /** Station or home base, used when no fresh position. */
  base?: Point
  /** On another accepted or arrived alarm. */
  busy: boolean
  /** Alarms this carer accepted since local midnight: the tie-breaker after ETA. */
  alarmsToday: number
}

export interface DispatchRules {
  /** Straight line × detour = road distance (contract: 1.3). */
  detour: number
  /** km/h by travel mode (contract: walk 4.5, bike 12, ebike 18, car 25). */
  speedsKmh: Readonly<Record<TravelMode, number>>
  /** A position older than this falls back to the base (contract: 10 min). */
  freshPositionMs: number
  /** The emergency circle in minutes of ETA (contract: 15). */
  circleMin: number
  /** Beyond this, offered only when no one is inside (contract: 3 km). */
  nearM: number
  /** Beyond this, never (contract: 10 km). */
  farM: number
  /** Priority 1 offers at once (contract: 2, or 3 for a high-risk elder). */
  parallelOffers: number
  parallelOffersHighRisk: number
  /** Offer lifetime: priority 1 (contract: 60 s, halved for a high-risk elder) and lower priorities (120 s). */
  offerTimeoutMs: number
  offerTimeoutLowMs: number
  highRiskTimeoutFactor: number
  /** Rounds before escalation (contract: 3). */
  maxRounds: number
  /** Arrival farther than this from the elder is flagged (contract: 200 m). */
  arrivalFlagM: number
  /**
   * Graded response deadlines (docs/visits.md): minutes from raised by which someone should be at the
   * elder's side, by risk grade; an alarm nobody has arrived at by then is marked `overdue` for the centre.
   */
  responseMin: Readonly<Record<Risk, number>>
}

export const defaultRules: DispatchRules = {
  detour: 1.3,
  speedsKmh: { walk: 4.5, bike: 12, ebike: 18, car: 25 },
  freshPositionMs: 10 * 60_000,
  circleMin: 15,
  nearM: 3_000,
  farM: 10_000,
  parallelOffers: 2,
  parallelOffersHighRisk: 3,
  offerTimeoutMs: 60_000,
  offerTimeoutLowMs: 120_000,
  highRiskTimeoutFactor: 0.5,
  maxRounds: 3,
  arrivalFlagM: 200,
  responseMin: { high: 10, medium: 15, low: 20, safe: 30 },
}

/** A carer who may be offered the alarm, with how far and how long. */
export interface Candidate {
  carerId: string
  distanceM: number
  etaMin: number
  /** ETA within the emergency circle. */
  inCircle: boolean
  alarmsToday: number
}
