import { z } from 'zod'
import { ms } from './registry.ts'

/** `GET /audit`: one entry; `detail` is whatever the action recorded. */
export const auditEntry = z.strictObject({
  id: z.number().int(),
  at: ms,
  actor: z.string().optional(),
  action: z.string(),
  target: z.string().optional(),
  source: z.string().optional(),
  detail: z.unknown().optional(),
})
