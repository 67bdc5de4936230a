import { availableParallelism } from 'node:os'
import type { z } from 'zod'
import type { BulkRow } from '../ports.ts'
import type { Registry } from '../registry.ts'
import { carerBody, deviceBody, elderBody, resourceId } from '../schemas.ts'
import { hashSecret, machineCost } from '../secrets.ts'
import type { ImportType } from './columns.ts'
import type { CsvRow } from './csv.ts'

export interface RowReport {
  row: number
  id?: string
  status: 'created' | 'updated' | 'rejected'
  reason?: string
}

export interface ImportReport {
  type: ImportType
  total: number
  created: number
  updated: number
  rejected: number
  rows: RowReport[]
}

/** Rows written per transaction: long enough to be fast, short enough not to hold the event loop. */
const BATCH = 2_000

function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0]
  return `${issue?.path.length ? issue.path.join('.') : '(row)'}: ${issue?.message ?? 'invalid'}`
}

/** Validate with the PUT route's own body, so a row is valid exactly when the PUT would be. */
function validate(type: ImportType, value: Record<string, unknown>): { id: string; row: Pending } | string {
  const { id, ...body } = value
  const idCheck = resourceId.safeParse(id)
  if (!idCheck.success) return `id: ${idCheck.error.issues[0]?.message ?? 'invalid'}`
  if (type === 'elders') {
    const parsed = elderBody.safeParse(body)
    return parsed.success
      ? { id: idCheck.data, row: { type: 'elder', body: parsed.data } }
      : reasonOf(parsed.error)
  }
  if (type === 'devices') {
    const parsed = deviceBody.safeParse(body)
    if (!parsed.success) return reasonOf(parsed.error)
    const { secret, ...rest } = parsed.data
    return { id: idCheck.data, row: { type: 'device', body: rest, secret } }
  }
  const parsed = carerBody.safeParse(body)
  if (!parsed.success) return reasonOf(parsed.error)
  const { secret, ...rest } = parsed.data
  return { id: idCheck.data, row: { type: 'carer', body: rest, secret } }
}

type Pending =
  | { type: 'elder'; body: z.infer<typeof elderBody> }
  | { type: 'device'; body: Omit<z.infer<typeof deviceBody>, 'secret'>; secret: string }
  | { type: 'carer'; body: Omit<z.infer<typeof carerBody>, 'secret'>; secret: string }

/**
 * Hash with the async scrypt, a few at a time (at least libuv's 4 pool threads): the pool works
 * while the event loop stays free, and memory stays bounded.
 */
async function hashAll(secrets: readonly string[]): Promise<string[]> {
  const out = new Array<string>(secrets.length)
  let next = 0
  const worker = async () => {
    while (next < secrets.length) {
      const i = next++
      out[i] = await hashSecret(secrets[i] as string, machineCost)
    }
  }
  await Promise.all(Array.from({ length: Math.max(4, availableParallelism()) }, worker))
  return out
}

/** Import validated rows; every row is reported, a bad one never stops the good ones. */
export async function runImport(registry: Registry, type: ImportType, input: readonly CsvRow[]) {
  const rows: RowReport[] = []
  const good: { report: RowReport; id: string; pending: Pending }[] = []
  const firstRow = new Map<string, number>()
  for (const entry of input) {
    if ('reason' in entry) {
      rows.push({ row: entry.row, status: 'rejected', reason: entry.reason })
      continue
    }
    const checked = validate(type, entry.value)
    const id = typeof entry.value.id === 'string' ? entry.value.id : undefined
    const report: RowReport = { row: entry.row, ...(id ? { id } : {}), status: 'rejected' }
    rows.push(report)
    if (typeof checked === 'string') {
      report.reason = checked
      continue
    }
    const first = firstRow.get(checked.id)
    if (first !== undefined) {
      report.reason = `duplicate id: already in row ${first}`
      continue
    }
    firstRow.set(checked.id, entry.row)
    good.push({ report, id: checked.id, pending: checked.row })
  }
  const hashes = await hashAll(
    good.map((g) => ('secret' in g.pending ? g.pending.secret : '')).filter(Boolean),
  )
  let h = 0
  const bulk: BulkRow[] = good.map(({ id, pending }) =>
    pending.type === 'elder'
      ? { type: 'elder', id, body: pending.body }
      : ({ type: pending.type, id, body: pending.body, secretHash: hashes[h++] as string } as BulkRow),
  )
  for (let start = 0; start < bulk.length; start += BATCH) {
    const outcomes = await registry.importMany(bulk.slice(start, start + BATCH))
    outcomes.forEach((outcome, i) => {
      const report = good[start + i]?.report as RowReport
      if ('error' in outcome) report.reason = `${outcome.error.code}: ${outcome.error.message}`
      else report.status = outcome.created ? 'created' : 'updated'
    })
    // Let other requests in between batches.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const count = (status: RowReport['status']) => rows.filter((r) => r.status === status).length
  const report: ImportReport = {
    type,
    total: rows.length,
    created: count('created'),
    updated: count('updated'),
    rejected: count('rejected'),
    rows,
  }
  return report
}
