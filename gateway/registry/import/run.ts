import { availableParallelism } from 'node:os'
import type { z } from 'zod'
import type { BulkRow } from '../ports.ts'
import type { Registry } from '../registry.ts'
import { carerImportBody, deviceImportBody, elderBody, resourceId } from '../schemas.ts'
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

/**
 * Rows checked, hashed and written per step. Between steps the import yields to the event loop, so
 * one step is all it ever holds it for: 200 elder rows (one transaction, about 20 ms) or 100 device or carer rows
 * (their scrypt hashes run on libuv's pool meanwhile). bench/import.ts measures the loop's delay.
 */
const STEP = { elders: 200, devices: 100, carers: 100 } as const

/** How far an import has got: rows settled (stored or rejected) of all the file's rows. */
export interface ImportProgress {
  total: number
  done: number
  created: number
  updated: number
  rejected: number
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void
  /** Asked between steps: true stops the import there (the gateway is stopping). */
  stopped?: () => boolean
}

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
    const parsed = deviceImportBody.safeParse(body)
    if (!parsed.success) return reasonOf(parsed.error)
    const { secret, ...rest } = parsed.data
    return { id: idCheck.data, row: { type: 'device', body: rest, secret } }
  }
  const parsed = carerImportBody.safeParse(body)
  if (!parsed.success) return reasonOf(parsed.error)
  const { secret, ...rest } = parsed.data
  return { id: idCheck.data, row: { type: 'carer', body: rest, secret } }
}

type Pending =
  | { type: 'elder'; body: z.infer<typeof elderBody> }
  | { type: 'device'; body: Omit<z.infer<typeof deviceImportBody>, 'secret'>; secret: string }
  | { type: 'carer'; body: Omit<z.infer<typeof carerImportBody>, 'secret'>; secret: string }

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
export async function runImport(
  registry: Registry,
  type: ImportType,
  input: readonly CsvRow[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const rows: RowReport[] = []
  const firstRow = new Map<string, number>()
  const progress: ImportProgress = { total: input.length, done: 0, created: 0, updated: 0, rejected: 0 }
  const settle = (report: RowReport) => {
    progress.done++
    progress[report.status]++
  }
  const step = STEP[type]
  for (let start = 0; start < input.length; start += step) {
    if (options.stopped?.()) throw new Error('import stopped: the gateway is stopping')
    const good: { report: RowReport; id: string; pending: Pending }[] = []
    for (const entry of input.slice(start, start + step)) {
      const report = checkRow(type, entry, firstRow)
      rows.push(report.row)
      if ('pending' in report) good.push({ report: report.row, id: report.id, pending: report.pending })
      else settle(report.row)
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
    const outcomes = bulk.length > 0 ? await registry.importMany(bulk) : []
    outcomes.forEach((outcome, i) => {
      const report = good[i]?.report as RowReport
      if ('error' in outcome) report.reason = `${outcome.error.code}: ${outcome.error.message}`
      else report.status = outcome.created ? 'created' : 'updated'
      settle(report)
    })
    options.onProgress?.({ ...progress })
    // let other requests, MQTT and timers in between steps
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { type, total: rows.length, ...pick(progress), rows }
}

function pick({ created, updated, rejected }: ImportProgress) {
  return { created, updated, rejected }
}

/** One row checked: rejected with its reason, or valid and waiting to be stored. */
function checkRow(
  type: ImportType,
  entry: CsvRow,
  firstRow: Map<string, number>,
): { row: RowReport } | { row: RowReport; id: string; pending: Pending } {
  if ('reason' in entry) return { row: { row: entry.row, status: 'rejected', reason: entry.reason } }
  const checked = validate(type, entry.value)
  const id = typeof entry.value.id === 'string' ? entry.value.id : undefined
  const row: RowReport = { row: entry.row, ...(id ? { id } : {}), status: 'rejected' }
  if (typeof checked === 'string') {
    row.reason = checked
    return { row }
  }
  const first = firstRow.get(checked.id)
  if (first !== undefined) {
    row.reason = `duplicate id: already in row ${first}`
    return { row }
  }
  firstRow.set(checked.id, entry.row)
  return { row, id: checked.id, pending: checked.row }
}

/** The first rows of a file checked as the import would check them, nothing stored (the console's preview). */
export function checkRows(type: ImportType, input: readonly CsvRow[]): RowReport[] {
  const firstRow = new Map<string, number>()
  return input.map((entry) => {
    const checked = checkRow(type, entry, firstRow)
    // valid so far: whether it is created or updated is the store's to say
    return 'pending' in checked ? { ...checked.row, status: 'created' } : checked.row
  })
}
