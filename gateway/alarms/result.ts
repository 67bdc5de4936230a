/** Refusals the alarm and dispatch code can give; the API maps each to a status (see gateway/api/errors.ts). */
export const domainCodes = [
  'ALARM_NOT_FOUND',
  'ALARM_CLOSED',
  'ALARM_ALREADY_ACCEPTED',
  'OFFER_NOT_FOUND',
  'OFFER_EXPIRED',
  'NOT_ASSIGNED',
  'INVALID_STATE',
  'CARER_NOT_FOUND',
  'CARER_BUSY',
  'ELDER_NOT_FOUND',
  'OUTCOME_REQUIRED',
] as const
export type DomainCode = (typeof domainCodes)[number]

export type Result<T> = { ok: true; value: T } | { ok: false; code: DomainCode; message: string }

export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

export function refuse<T>(code: DomainCode, message: string): Result<T> {
  return { ok: false, code, message }
}
