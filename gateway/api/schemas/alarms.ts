import { z } from 'zod'
import { outcomes } from '../../../kernel/contract/payloads.ts'
import { alarmKinds, alarmStates, timelineTypes } from '../../alarms/model.ts'
import { ms } from './registry.ts'

/** The alarm record, its timeline and a carer's tasks (contract: "Alarms", "Timeline"). */

export const alarm = z.strictObject({
  id: z.string(),
  kind: z.enum(alarmKinds),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  state: z.enum(alarmStates),
  escalated: z.boolean(),
  elderId: z.string(),
  deviceId: z.string().optional(),
  /** The carer holding it. */
  carerId: z.string().optional(),
  /** Where help is needed: the device's fix, else the elder's home. */
  lat: z.number(),
  lon: z.number(),
  raisedAt: ms,
  acceptedAt: ms.optional(),
  arrivedAt: ms.optional(),
  /** Also the closing time of a cancelled alarm. */
  resolvedAt: ms.optional(),
  outcome: z.enum(outcomes).optional(),
  arrivalDistanceM: z.number().optional(),
  arrivalFlagged: z.boolean().optional(),
  /** Nobody was at the elder's side by their risk grade's response deadline (docs/visits.md). */
  overdueAt: ms.optional(),
  round: z.number().int(),
  seq: z.number().int(),
  updatedAt: ms,
})

export const timelineEntry = z.strictObject({
  seq: z.number().int(),
  type: z.enum(timelineTypes),
  at: ms,
  actor: z.string().optional(),
  carerId: z.string().optional(),
  note: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
})

export const alarmWithTimeline = alarm.extend({ timeline: z.array(timelineEntry) })

/** `GET /devices/{id}/track`. */
export const track = z.strictObject({
  deviceId: z.string(),
  from: ms,
  to: ms,
  items: z.array(
    z.strictObject({
      ts: ms,
      lat: z.number(),
      lon: z.number(),
      acc: z.number().optional(),
      src: z.string().optional(),
    }),
  ),
})

/** A task as the carer's `task` downlink carries it, plus the state of an alarm the carer holds. */
export const task = z.strictObject({
  alarmId: z.string(),
  action: z.enum(['offer', 'assigned', 'withdrawn', 'reminder']),
  expiresAt: ms.optional(),
  alarm: z.strictObject({ kind: z.string(), priority: z.number().int(), raisedAt: ms }),
  elder: z.strictObject({
    id: z.string(),
    name: z.string(),
    phone: z.string(),
    address: z.string(),
    lat: z.number(),
    lon: z.number(),
    notes: z.string(),
    contacts: z.array(
      z.strictObject({ name: z.string(), relation: z.string().optional(), phone: z.string() }),
    ),
  }),
  distanceM: z.number(),
  etaMin: z.number(),
  state: z.enum(alarmStates).optional(),
})

/** `GET /carers/{id}/tasks`: held alarms first, then open offers; never paged. */
export const tasks = z.strictObject({ items: z.array(task) })

export const duty = z.strictObject({ id: z.string(), duty: z.enum(['on', 'off']), busy: z.boolean() })
