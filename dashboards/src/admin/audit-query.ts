/** The audit section's filter as the person typed it, and the `GET /audit` query it asks for. No DOM here. */
export interface AuditFilter {
  actor: string
  /** An action or a prefix of actions (`elder` matches `elder.put`, `elder.erase`, …). */
  action: string
  target: string
  /** Days as a date input gives them (`2026-01-05`), in the browser's time zone; both included. */
  from: string
  to: string
  limit: number
}

export const PAGE_SIZES = [20, 50, 100] as const

export const noFilter: AuditFilter = { actor: '', action: '', target: '', from: '', to: '', limit: 50 }

/** Local midnight at the start of `day` (YYYY-MM-DD), `plusDays` later; undefined for no day. */
export function dayStart(day: string, plusDays = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return undefined
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).getTime()
}

/** The range is usable: no end before the start. */
export function rangeOk(f: AuditFilter): boolean {
  const from = dayStart(f.from)
  const to = dayStart(f.to)
  return from === undefined || to === undefined || to >= from
}

/**
 * `GET /audit`'s query (gateway/api/routes/audit.ts): empty fields left out; `to` is exclusive there,
 * so the last day picked is asked up to the next midnight; `cursor` is the previous page's `next`.
 */
export function auditQuery(f: AuditFilter, cursor?: string): URLSearchParams {
  const q = new URLSearchParams()
  for (const key of ['actor', 'action', 'target'] as const) {
    const value = f[key].trim()
    if (value) q.set(key, value)
  }
  const from = dayStart(f.from)
  const to = dayStart(f.to, 1)
  if (from !== undefined) q.set('from', String(from))
  if (to !== undefined) q.set('to', String(to))
  q.set('limit', String(f.limit))
  if (cursor) q.set('cursor', cursor)
  return q
}

/** A filter read from the section's form. */
export function filterOf(data: FormData): AuditFilter {
  const text = (name: string) => {
    const value = data.get(name)
    return typeof value === 'string' ? value : ''
  }
  const limit = Number(text('limit'))
  return {
    actor: text('actor'),
    action: text('action'),
    target: text('target'),
    from: text('from'),
    to: text('to'),
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : noFilter.limit,
  }
}

/** An entry's detail as one line of text (it is whatever the action recorded). */
export function detailText(detail: unknown): string {
  if (detail === undefined || detail === null) return ''
  return typeof detail === 'string' ? detail : JSON.stringify(detail)
}
