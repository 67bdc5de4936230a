import { z } from 'zod'
import { importTypes } from '../../registry/import/columns.ts'

/** `POST /import`: the per-row report (docs/import.md). */
export const importReport = z.strictObject({
  type: z.enum(importTypes),
  total: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  rejected: z.number().int(),
  rows: z.array(
    z.strictObject({
      row: z.number().int(),
      id: z.string().optional(),
      status: z.enum(['created', 'updated', 'rejected']),
      reason: z.string().optional(),
    }),
  ),
})

/** `POST /import/preview`: the file's columns as the import maps them, and its first rows checked. */
export const importPreview = z.strictObject({
  type: z.enum(importTypes),
  /** Data rows in the whole file. */
  total: z.number().int(),
  columns: z.array(z.strictObject({ header: z.string(), field: z.string().nullable() })),
  /** What makes the whole file unusable (an unknown column); the import would answer it as a 400. */
  problem: z.string().optional(),
  rows: z.array(
    z.strictObject({
      row: z.number().int(),
      id: z.string().optional(),
      valid: z.boolean(),
      reason: z.string().optional(),
    }),
  ),
})

/** `POST /import/jobs`, `GET /import/jobs/{id}`: a job's progress (docs/import.md, "As a job"). */
export const importJob = z.strictObject({
  id: z.string(),
  type: z.enum(importTypes),
  state: z.enum(['running', 'done', 'failed']),
  startedAt: z.number().int(),
  elapsedMs: z.number().int(),
  total: z.number().int(),
  done: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  rejected: z.number().int(),
  error: z.string().optional(),
})
