import type { ErasureJob } from '../../history/ports.ts'

type Row = Record<string, unknown>

/** A history_erasures row, for both stores. */
export function erasureJobOf(r: Row): ErasureJob {
  return {
    elderId: String(r.elder_id),
    status: r.status === 'manual' ? 'manual' : 'pending',
    requestedAt: Number(r.requested_at),
  }
}
