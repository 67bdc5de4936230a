import type { FastifyError, FastifyInstance } from 'fastify'
import { ZodError } from 'zod'
import type { DomainCode } from '../alarms/result.ts'
import type { VisitCode } from '../visits/errors.ts'

/**
 * Every error code the HTTP API answers, with its status. Errors are
 * `{error: {code, message}}` (contract); docs/api.md lists the same table.
 */
export const errorCodes = {
  BAD_REQUEST: {
    status: 400,
    what: 'the body, a parameter or the query failed validation (the message names the path)',
  },
  INVALID_JSON: { status: 400, what: 'the body is not valid JSON' },
  UNKNOWN_ELDER: { status: 400, what: 'a device names an elder that is not registered' },
  UNKNOWN_CARER: { status: 400, what: 'a user names a carer that is not registered' },
  UNKNOWN_STATION: {
    status: 400,
    what: 'a carer or a visit plan names a service station that is not registered',
  },
  DAY_IN_PAST: { status: 400, what: 'a visit cannot be moved to a day before today' },
  UNKNOWN_PHOTO: { status: 400, what: 'a sign-in names a photo not uploaded to that visit' },
  PHOTO_DAMAGED: { status: 400, what: 'the photo starts as an image but its structure is broken or cut off' },
  OUTCOME_REQUIRED: { status: 400, what: 'resolve needs an outcome' },
  CARER_REQUIRED: { status: 400, what: 'assign needs a carerId' },
  NOTE_REQUIRED: { status: 400, what: 'note needs a note' },
  SECRET_REQUIRED: {
    status: 400,
    what: 'a new device, carer or service needs a secret, a new web user a password (a replacing PUT may leave it out)',
  },
  UNAUTHENTICATED: { status: 401, what: 'no valid bearer token' },
  BAD_CREDENTIALS: { status: 401, what: 'wrong username or password' },
  FORBIDDEN: { status: 403, what: 'the caller\u2019s role or scope does not allow this' },
  NOT_YOUR_VISIT: { status: 403, what: 'the visit is another carer\u2019s' },
  NOT_A_CARER: { status: 403, what: 'a carer login named a device or a service (with its own secret)' },
  NOT_FOUND: { status: 404, what: 'no such route' },
  ALARM_NOT_FOUND: { status: 404, what: 'no such alarm' },
  ELDER_NOT_FOUND: { status: 404, what: 'no such elder' },
  DEVICE_NOT_FOUND: { status: 404, what: 'no such device' },
  CARER_NOT_FOUND: { status: 404, what: 'no such carer' },
  USER_NOT_FOUND: { status: 404, what: 'no such user' },
  STATION_NOT_FOUND: { status: 404, what: 'no such service station' },
  VISIT_NOT_FOUND: { status: 404, what: 'no such visit (or not one the caller may see)' },
  PHOTO_NOT_FOUND: { status: 404, what: 'the visit has no such photo, or it was removed by retention' },
  IMPORT_JOB_NOT_FOUND: {
    status: 404,
    what: 'no such import job (jobs are kept in memory, the last 20 finished)',
  },
  ID_TAKEN: { status: 409, what: 'the id is already used by a device or a carer' },
  ALARM_CLOSED: { status: 409, what: 'the alarm is already resolved or cancelled' },
  ALARM_ALREADY_ACCEPTED: { status: 409, what: 'another carer accepted first' },
  OFFER_NOT_FOUND: { status: 409, what: 'this carer has no offer of this alarm' },
  OFFER_EXPIRED: { status: 409, what: 'the offer expired or was withdrawn' },
  NOT_ASSIGNED: { status: 409, what: 'this carer is not assigned to the alarm' },
  DEVICE_NOT_CONNECTED: {
    status: 409,
    what: 'the device takes commands only while connected to the watch listener, and it is not now',
  },
  INVALID_STATE: { status: 409, what: 'the alarm\u2019s state does not allow this action' },
  CARER_BUSY: { status: 409, what: 'the carer is on another alarm' },
  VISIT_CLOSED: { status: 409, what: 'the visit is done (or, to move it, already missed)' },
  VISIT_SIGNED_IN: { status: 409, what: 'the visit is already signed in' },
  NOT_SIGNED_IN: { status: 409, what: 'sign-out needs the visit signed in first' },
  TOO_MANY_PHOTOS: { status: 409, what: 'the visit already has as many photos as it may keep (4)' },
  IMPORT_RUNNING: { status: 409, what: 'the import job has not finished: its report is not ready yet' },
  NOT_A_SESSION: {
    status: 409,
    what: 'logout was called with the bootstrap admin token or a service token, which logout cannot end',
  },
  LAST_ADMIN: {
    status: 409,
    what: 'the change would leave no way in as an admin (no enabled admin user and no bootstrap token)',
  },
  PAYLOAD_TOO_LARGE: { status: 413, what: 'the body is larger than the limit' },
  PHOTO_TOO_LARGE: {
    status: 413,
    what: 'the photo is larger than the limit (2 MB by default, CARE_PHOTO_MAX_BYTES)',
  },
  PHOTO_NOT_IMAGE: { status: 415, what: 'the photo is not a JPEG, PNG or WebP image by its bytes' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, what: 'the body is not JSON' },
  RATE_LIMITED: { status: 429, what: 'too many requests' },
  INTERNAL: { status: 500, what: 'an unexpected failure (logged)' },
} as const satisfies Record<string, { status: number; what: string }>

export type ErrorCode = keyof typeof errorCodes

// Every domain refusal must have a status here.
const _domainCovered: Record<DomainCode, unknown> = errorCodes
const _visitsCovered: Record<VisitCode, unknown> = errorCodes

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly status: number

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.code = code
    this.status = errorCodes[code].status
  }
}

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } }
}

/** Map every failure to the contract's error shape; nothing leaks a stack. */
export function installErrorHandling(app: FastifyInstance): void {
  void _domainCovered
  void _visitsCovered
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`))
  })
  app.setErrorHandler((error: FastifyError | ApiError | ZodError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).send(errorBody(error.code, error.message))
    }
    if (error instanceof ZodError) {
      const issue = error.issues[0]
      const path = issue?.path.length ? issue.path.join('.') : '(body)'
      return reply.code(400).send(errorBody('BAD_REQUEST', `${path}: ${issue?.message ?? 'invalid'}`))
    }
    const fe = error as FastifyError
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody('PAYLOAD_TOO_LARGE', 'body too large'))
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', 'send application/json'))
    }
    if (
      fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      fe instanceof SyntaxError
    ) {
      return reply.code(400).send(errorBody('INVALID_JSON', 'body is not valid JSON'))
    }
    if (fe.statusCode === 429) return reply.code(429).send(errorBody('RATE_LIMITED', 'too many requests'))
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(400).send(errorBody('BAD_REQUEST', fe.message))
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send(errorBody('INTERNAL', 'internal error'))
  })
}
