import { type Logger, pino } from 'pino'

export type { Logger }

/**
 * Structured logs. Secrets, tokens, passwords, phone numbers and addresses
 * never reach a log line: those keys are censored wherever they appear.
 */
export const redactedKeys = [
  'secret',
  'password',
  'token',
  'authorization',
  'phone',
  'address',
  'contacts',
  'pass_hash',
  'secret_hash',
] as const

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const paths = redactedKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])
  const options = { level, redact: { paths, censor: '[redacted]' }, base: { app: 'care-gateway' } }
  return destination ? pino(options, destination) : pino(options)
}
