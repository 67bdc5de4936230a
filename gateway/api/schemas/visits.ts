import { z } from 'zod'
import { risks } from '../../registry/schemas.ts'
import {
  conditions,
  needs,
  visitFlags,
  visitKinds,
  visitPlanBody,
  visitStatuses,
} from '../../visits/model.ts'
import { ms } from './registry.ts'

/** Visits and carers' reports as the API answers them (docs/visits.md). */

const presence = z.strictObject({
  at: ms,
  lat: z.number().optional(),
  lon: z.number().optional(),
  acc: z.number().optional(),
  distanceM: z.number().optional(),
})

export const photoRef = z.strictObject({
  id: z.string(),
  type: z.enum(['jpeg', 'png', 'webp']),
  size: z.number().int(),
  at: ms,
})

export const visit = z.strictObject({
  id: z.string(),
  kind: z.enum(visitKinds),
  status: z.enum(visitStatuses),
  elderId: z.string(),
  risk: z.enum(risks),
  grid: z.array(z.string()),
  carerId: z.string().optional(),
  stationId: z.string().optional(),
  dueDay: z.string(),
  moved: z.boolean().optional(),
  followUp: z.enum(['alarm', 'need']).optional(),
  signIn: presence.optional(),
  signOut: presence.optional(),
  onSiteS: z.number().int().optional(),
  photos: z.array(photoRef),
  photosPurged: z.number().int().optional(),
  report: z
    .strictObject({
      condition: z.enum(conditions),
      needs: z.array(z.enum(needs)),
      note: z.string().optional(),
      next: z.string().optional(),
    })
    .optional(),
  flags: z.array(z.enum(visitFlags)),
  missedAlarmId: z.string().optional(),
  helpAlarmId: z.string().optional(),
  missedAt: ms.optional(),
  createdAt: ms,
  updatedAt: ms,
})

/** A visit on a carer's list: overdue or not, the elder's card, the distance from the carer. */
export const carerVisit = visit.extend({
  overdue: z.boolean(),
  distanceM: z.number().optional(),
  elder: z.strictObject({
    id: z.string(),
    name: z.string(),
    phone: z.string().optional(),
    address: z.string().optional(),
    lat: z.number(),
    lon: z.number(),
  }),
})

export const visitPlan = visitPlanBody.extend({ elderId: z.string(), updatedAt: ms })
