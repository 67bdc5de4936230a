import type { z } from 'zod'

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; detail: string }

/**
 * Turn a payload into a typed message at the edge (contract: UTF-8 JSON;
 * a payload that fails validation is dropped, counted and logged with the reason).
 */
export function parsePayload<S extends z.ZodType>(schema: S, payload: Buffer | string): Parsed<z.infer<S>> {
  let json: unknown
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  } catch {
    return { ok: false, reason: 'invalid_json', detail: 'payload is not JSON' }
  }
  const result = schema.safeParse(json)
  if (result.success) return { ok: true, value: result.data }
  const issue = result.error.issues[0]
  const path = issue?.path.length ? issue.path.join('.') : '(root)'
  return { ok: false, reason: 'invalid_payload', detail: `${path}: ${issue?.message ?? 'invalid'}` }
}
