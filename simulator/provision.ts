import { randomBytes } from 'node:crypto'
import type { District } from './district.ts'

/**
 * Registers a district through the public REST API's bulk import,
 * `POST /api/v1/import?type=elders|devices|carers` (JSON arrays of
 * `{id, ...PUT body}`): elders first, so their devices find them. Large
 * kinds go in chunks, so no single request holds the gateway's scrypt pool for
 * minutes. Any rejected row fails the whole provisioning loudly.
 */
export type ImportType = 'elders' | 'devices' | 'carers'

export interface ImportCounts {
  requests: number
  total: number
  created: number
  updated: number
  rejected: number
}

export interface ProvisionReport extends ImportCounts {
  ms: number
  byType: Record<ImportType, ImportCounts>
}

interface RowReport {
  row: number
  id?: string
  status: 'created' | 'updated' | 'rejected'
  reason?: string
}

interface ImportAnswer {
  total: number
  created: number
  updated: number
  rejected: number
  rows: RowReport[]
}

export class ImportRejected extends Error {
  readonly rows: RowReport[]
  constructor(type: ImportType, rows: RowReport[]) {
    const shown = rows
      .slice(0, 5)
      .map((r) => `row ${r.row} ${r.id ?? '?'}: ${r.reason ?? 'rejected'}`)
      .join('; ')
    super(`import ${type}: ${rows.length} row(s) rejected — ${shown}${rows.length > 5 ? '; …' : ''}`)
    this.rows = rows
  }
}

const empty = (): ImportCounts => ({ requests: 0, total: 0, created: 0, updated: 0, rejected: 0 })

/**
 * POSTs `rows` of one kind to /import, `chunk` rows a request, one request at a
 * time (the gateway hashes a chunk's secrets on all its cores already).
 * Throws `ImportRejected` when any row comes back rejected, after its chunk.
 */
export async function importRows(
  httpUrl: string,
  token: string,
  type: ImportType,
  rows: readonly Record<string, unknown>[],
  chunk = 2_000,
): Promise<ImportCounts> {
  const counts = empty()
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk)
    const res = await fetch(`${httpUrl}/api/v1/import?type=${type}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(part),
    })
    counts.requests++
    if (!res.ok) throw new Error(`POST /import?type=${type}: ${res.status} ${await res.text()}`)
    const answer = (await res.json()) as ImportAnswer
    counts.total += answer.total
    counts.created += answer.created
    counts.updated += answer.updated
    counts.rejected += answer.rejected
    const rejected = answer.rows.filter((r) => r.status === 'rejected')
    if (rejected.length > 0) {
      // rows are numbered within the chunk; report them within the whole list
      throw new ImportRejected(
        type,
        rejected.map((r) => ({ ...r, row: r.row + start })),
      )
    }
  }
  return counts
}

/** The district's records in the import's JSON shape. */
export function districtRows(district: District): Record<ImportType, Record<string, unknown>[]> {
  return {
    elders: district.elders.map(({ wanders: _w, ...elder }) => ({ ...elder })),
    devices: district.devices.map((device) => ({ ...device })),
    carers: district.carers.map(({ shift: _s, ...carer }) => ({ ...carer })),
  }
}

export async function provision(
  district: District,
  httpUrl: string,
  token: string,
  chunk = 2_000,
): Promise<ProvisionReport> {
  const t0 = performance.now()
  const rows = districtRows(district)
  const byType = { elders: empty(), devices: empty(), carers: empty() }
  for (const type of ['elders', 'devices', 'carers'] as const) {
    byType[type] = await importRows(httpUrl, token, type, rows[type], chunk)
  }
  const sum = (k: keyof ImportCounts) => byType.elders[k] + byType.devices[k] + byType.carers[k]
  return {
    ms: Math.round(performance.now() - t0),
    requests: sum('requests'),
    total: sum('total'),
    created: sum('created'),
    updated: sum('updated'),
    rejected: sum('rejected'),
    byType,
  }
}

export interface WebLogin {
  username: string
  password: string
  role: 'admin' | 'dispatcher' | 'supervisor' | 'carer'
  carerId?: string
}

/**
 * Web logins for people trying the demo, through `PUT /api/v1/users/{username}`:
 * `admin`, `dispatcher`, `supervisor`, and a carer login acting for the
 * district's first carer. Each gets a fresh random password.
 */
export async function provisionUsers(
  district: District,
  httpUrl: string,
  token: string,
): Promise<WebLogin[]> {
  const password = () => randomBytes(9).toString('base64url')
  const first = district.carers[0]
  const logins: WebLogin[] = [
    { username: 'admin', role: 'admin', password: password() },
    { username: 'dispatcher', role: 'dispatcher', password: password() },
    { username: 'supervisor', role: 'supervisor', password: password() },
    ...(first
      ? [{ username: `carer-${first.id}`, role: 'carer' as const, password: password(), carerId: first.id }]
      : []),
  ]
  const names: Record<WebLogin['role'], string> = {
    admin: '管理员',
    dispatcher: '调度员',
    supervisor: '民政科长',
    carer: first?.name ?? '护理员',
  }
  for (const login of logins) {
    const body = {
      role: login.role,
      password: login.password,
      name: names[login.role],
      carerId: login.carerId,
    }
    const res = await fetch(`${httpUrl}/api/v1/users/${login.username}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`PUT /users/${login.username}: ${res.status} ${await res.text()}`)
  }
  return logins
}
