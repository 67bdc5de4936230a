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
