/** Refusals of the visits domain; the API maps each to a status (gateway/api/errors.ts). */
export const visitCodes = [
  'VISIT_NOT_FOUND',
  'VISIT_CLOSED',
  'VISIT_SIGNED_IN',
  'NOT_SIGNED_IN',
  'NOT_YOUR_VISIT',
  'DAY_IN_PAST',
  'UNKNOWN_PHOTO',
  'PHOTO_NOT_FOUND',
  'PHOTO_NOT_IMAGE',
  'PHOTO_DAMAGED',
  'PHOTO_TOO_LARGE',
  'TOO_MANY_PHOTOS',
  'ELDER_NOT_FOUND',
  'UNKNOWN_CARER',
  'UNKNOWN_STATION',
] as const
export type VisitCode = (typeof visitCodes)[number]

export class VisitError extends Error {
  readonly code: VisitCode

  constructor(code: VisitCode, message: string) {
    super(message)
    this.code = code
  }
}
