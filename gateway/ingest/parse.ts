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
  return parseValue(schema, json)
}

/** The same check for a value already decoded at the edge (a vendor protocol's reading in the contract's shape). */
export function parseValue<S extends z.ZodType>(schema: S, value: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(value)
  if (result.success) return { ok: true, value: result.data }
  const issue = result.error.issues[0]
  const path = issue?.path.length ? issue.path.join('.') : '(root)'
  return { ok: false, reason: 'invalid_payload', detail: `${path}: ${issue?.message ?? 'invalid'}` }
}
