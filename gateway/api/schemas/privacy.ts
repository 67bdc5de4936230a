import { z } from 'zod'
import { elderBody } from '../../registry/schemas.ts'

/**
 * PIPL: an elder's export is the stored rows as they are, column for column (gateway/store/sqlite/privacy.ts),
 * so the person sees what is held and nothing is summarised away. Every column is listed: a new one
 * fails tests/api/openapi.test.ts until it is named here, and a device's `secret_hash` is never one.
 */

const int = z.number().int()

const timelineRow = z.strictObject({
  alarm_id: z.string(),
  seq: int,
  type: z.string(),
  at: int,
  actor: z.string().nullable(),
  carer_id: z.string().nullable(),
  note: z.string().nullable(),
  /** JSON text, as stored. */
  data: z.string().nullable(),
})

export const elderExport = z.strictObject({
  elder: z.strictObject({
    id: z.string(),
    doc: elderBody,
    /** The grid path joined by U+001F, as stored for prefix matching. */
    grid: z.string(),
    created_at: int,
    updated_at: int,
  }),
  devices: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.string(),
      elder_id: z.string(),
      interval_s: int,
      last_seen_at: int.nullable(),
      online: int.nullable(),
      battery: z.number().nullable(),
      fw: z.string().nullable(),
      last_test_at: int.nullable(),
      lat: z.number().nullable(),
      lon: z.number().nullable(),
      acc: z.number().nullable(),
      pos_at: int.nullable(),
      created_at: int,
      updated_at: int,
    }),
  ),
  alarms: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.string(),
      priority: int,
      state: z.string(),
      escalated: int,
      elder_id: z.string(),
      device_id: z.string().nullable(),
      carer_id: z.string().nullable(),
      grid: z.string(),
      raised_at: int,
      accepted_at: int.nullable(),
      arrived_at: int.nullable(),
      resolved_at: int.nullable(),
      outcome: z.string().nullable(),
      arrival_distance_m: z.number().nullable(),
      arrival_flagged: int.nullable(),
      overdue_at: int.nullable(),
      lat: z.number(),
      lon: z.number(),
      round: int,
      seq: int,
      msg_id: z.string().nullable(),
      updated_at: int,
      timeline: z.array(timelineRow),
    }),
  ),
  positions: z.array(
    z.strictObject({
      device_id: z.string(),
      ts: int,
      lat: z.number(),
      lon: z.number(),
      acc: z.number().nullable(),
      src: z.string().nullable(),
      received_at: int,
    }),
  ),
  vitals: z.array(
    z.strictObject({
      device_id: z.string(),
      ts: int,
      /** The reading as JSON text. */
      doc: z.string(),
      received_at: int,
    }),
  ),
  scans: z.array(
    z.strictObject({
      device_id: z.string(),
      ts: int,
      /** The cells and Wi-Fi access points heard, as JSON text. */
      doc: z.string(),
      received_at: int,
    }),
  ),
  /** Visits and reports about the elder, as the ledger holds them (photos by reference). */
  visits: z.array(z.record(z.string(), z.unknown())),
  /** Who visits them and on which weekdays, if a plan was set. */
  visitPlan: z.record(z.string(), z.unknown()).nullable(),
  /** The photos of their visits, each with its visit, the bytes in base64. */
  photos: z.array(
    z.strictObject({
      visitId: z.string(),
      id: z.string(),
      type: z.enum(['jpeg', 'png', 'webp']),
      size: int,
      at: int,
      data: z.string(),
    }),
  ),
})

/** `DELETE /elders/{id}`: what the erasure removed and kept. */
export const erasure = z.strictObject({
  erased: z.string(),
  devices: z.array(z.string()),
  positions: int,
  vitals: int,
  alarmsKept: int,
  /** Points purged from the TSDB outbox (0 without a TSDB). */
  historyPoints: int,
  /** Visits and reports deleted, and photo files removed with them. */
  visits: int,
  photos: int,
})
