import { z } from 'zod'
import { type ErrorCode, errorCodes } from '../errors.ts'

/** The contract's error answer, `{error: {code, message}}`, with the codes it may carry. */
export function errorAnswer(codes: readonly ErrorCode[]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
    }),
  })
}

/** Codes grouped by the status they are answered with, statuses in order. */
export function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>()
  for (const code of new Set(codes)) {
    const status = errorCodes[code].status
    groups.set(status, [...(groups.get(status) ?? []), code])
  }
  return new Map([...groups].sort(([a], [b]) => a - b))
}
