/** Where drained lines go: InfluxDB in production, anything with the same answers in tests. */
export interface LineSink {
  /** Resolves only when the server has taken every line; rejects with a `SinkError` otherwise. */
  write(lines: readonly string[]): Promise<void>
  close(): Promise<void>
}

/** A failed write: `status` is the HTTP status, absent when no answer came (refused, reset, timed out). */
export class SinkError extends Error {
  override name = 'SinkError'
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined

  constructor(message: string, status?: number, retryAfterMs?: number) {
    super(message)
    this.status = status
    this.retryAfterMs = retryAfterMs
  }
}

/**
 * What a failure means for the batch. A 400/413/422 names bad lines (or too
 * many): split the batch until the bad line stands alone, then set it aside.
 * 401/403/404 are configuration (token, org, bucket) an operator can fix, so
 * they are retried — slowly — like an outage; so are 408, 429 and 5xx.
 */
export function verdict(error: SinkError): 'split' | 'retry' {
  const s = error.status
  if (s === 400 || s === 413 || s === 422) return 'split'
  return 'retry'
}
