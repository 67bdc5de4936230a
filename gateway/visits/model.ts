import { z } from 'zod'
import { accuracy, latitude, longitude } from '../../kernel/contract/payloads.ts'
import { resourceId } from '../registry/schemas.ts'
import type { Day } from './days.ts'
import type { RiskGrade } from './plan.ts'

/**
 * A visit (探视巡访) and a carer's report (照护人员汇报): what the service ledger (服务台账) is made
 * of. A planned visit is due on a day; the carer signs in at the door (position and photo), reports
 * how the elder is and signs out. A report outside any plan (掌上汇报: a call, a hospital escort,
 * something noticed in passing) is a visit of its own kind, done when filed.
 */

export const visitKinds = ['planned', 'call', 'escort', 'passing', 'other'] as const
export type VisitKind = (typeof visitKinds)[number]

/**
 * `due`: planned, not signed in; `on_site`: signed in; `done`: signed out (or a report filed);
 * `missed`: not signed in by the end of its due day plus the grace — still open to a late visit,
 * which makes it `on_site` and then `done`, late.
 */
export const visitStatuses = ['due', 'on_site', 'done', 'missed'] as const
export type VisitStatus = (typeof visitStatuses)[number]

/** How the elder is, as the carer found them. `needs_help` opens a `help_needed` alarm for the centre. */
export const conditions = ['well', 'unwell', 'needs_help'] as const
/** Needs the carer noticed (the bureau follows them up). */
export const needs = ['meals', 'medicine', 'repairs', 'money', 'loneliness'] as const
export type Need = (typeof needs)[number]

const note = z.string().max(2000)

/** A carer's structured report: sent on sign-out, or alone for a visit outside the plan. */
export const visitReport = z
  .object({
    condition: z.enum(conditions),
    needs: z.array(z.enum(needs)).max(needs.length).default([]),
    note: note.optional(),
    /** What should happen next (a follow-up, a referral). */
    next: z.string().max(500).optional(),
  })
  .strict()
export type VisitReport = z.infer<typeof visitReport>

const fix = { lat: latitude.optional(), lon: longitude.optional(), acc: accuracy.optional() }

/** `POST /visits/{id}/sign-in`: where the carer is (checked against the home) and the photo uploaded for it. */
export const signInBody = z
  .object({
    ts: z.number().int().nonnegative().optional(),
    ...fix,
    /** A photo uploaded to this visit (`POST /visits/{id}/photos`), by its id. */
    photo: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a photo id')
      .optional(),
  })
  .strict()
export type SignInBody = z.infer<typeof signInBody>

/** `POST /visits/{id}/sign-out`: the report, and where the carer is when leaving. */
export const signOutBody = z
  .object({ ts: z.number().int().nonnegative().optional(), ...fix, report: visitReport })
  .strict()
export type SignOutBody = z.infer<typeof signOutBody>

/** `POST /visits`: a carer's report outside the plan (掌上汇报). */
export const reportBody = z
  .object({
    elderId: resourceId,
    kind: z.enum(['call', 'escort', 'passing', 'other']),
    ts: z.number().int().nonnegative().optional(),
    ...fix,
    report: visitReport,
  })
  .strict()
export type ReportBody = z.infer<typeof reportBody>

/** `PATCH /visits/{id}`: the centre moves a due visit to another day or gives it to another carer or station. */
export const visitChangeBody = z
  .object({
    dueDay: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
      .optional(),
    carerId: resourceId.nullable().optional(),
    stationId: resourceId.nullable().optional(),
  })
  .strict()
export type VisitChange = z.infer<typeof visitChangeBody>

/** `PUT /elders/{id}/visit-plan`: who visits and on which weekdays (the cadence follows the risk grade). */
export const visitPlanBody = z
  .object({
    carerId: resourceId.optional(),
    stationId: resourceId.optional(),
    /** 0 = Sunday … 6 = Saturday; none: any day. */
    weekdays: z.array(z.number().int().min(0).max(6)).max(7).optional(),
  })
  .strict()
export type VisitPlanBody = z.infer<typeof visitPlanBody>
export type StoredPlan = VisitPlanBody & { elderId: string; updatedAt: number }

/** Where a carer was at a sign-in or sign-out, and how far from the home. */
export interface Presence {
  at: number
  lat?: number
  lon?: number
  acc?: number
  /** Straight-line distance from the elder's home; absent without a fix. */
  distanceM?: number
}

export const visitFlags = ['far', 'no_fix', 'no_photo', 'late'] as const
export type VisitFlag = (typeof visitFlags)[number]

export interface PhotoRef {
  id: string
  type: 'jpeg' | 'png' | 'webp'
  size: number
  at: number
}

export interface Visit {
  id: string
  kind: VisitKind
  status: VisitStatus
  elderId: string
  /** The elder's risk grade when the visit was planned (or filed). */
  risk: RiskGrade
  /** The elder's grid, for scoping and the per-grid ledger. */
  grid: string[]
  carerId?: string
  stationId?: string
  /** Planned visits: the day it is due. A report: the day it was filed. */
  dueDay: Day
  /** The centre moved it by hand: a new risk grade does not re-plan it. */
  moved?: boolean
  /** Brought forward as a follow-up: after an alarm, or a need a report noted (docs/visits.md). */
  followUp?: 'alarm' | 'need'
  signIn?: Presence
  signOut?: Presence
  /** Sign-in to sign-out, in whole seconds. */
  onSiteS?: number
  photos: PhotoRef[]
  /** Photos removed by the retention setting (their references went with them). */
  photosPurged?: number
  report?: VisitReport
  flags: VisitFlag[]
  /** The `visit_missed` alarm raised for it, and the `help_needed` one its report opened. */
  missedAlarmId?: string
  helpAlarmId?: string
  missedAt?: number
  createdAt: number
  updatedAt: number
}
