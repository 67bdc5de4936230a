import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ImportCounts, type ImportType, importRows } from '../../simulator/provision.ts'
import { type ChildGateway, spawnGateway } from '../../tests/support/child.ts'

/** The whole gateway (`gateway/main.ts`) as its own process, and bulk provisioning against it. */
export interface BenchGateway {
  child: ChildGateway
  token: string
  /** `POST /api/v1/import` in chunks, elders before devices; throws if any row is rejected. */
  provision(records: Records, chunk?: number): Promise<ImportCounts>
}

export type Row = Record<string, unknown>
export type Records = Partial<Record<ImportType, Row[]>>

export async function startGateway(
  dataDir = mkdtempSync(join(tmpdir(), 'care-bench-')),
): Promise<BenchGateway> {
  const token = `bench-${randomBytes(12).toString('hex')}`
  const child = await spawnGateway(
    { CARE_ADMIN_TOKEN: token, CARE_DATA_DIR: dataDir, CARE_FLOWS: 'off', CARE_LOG_LEVEL: 'silent' },
    60_000,
  )
  return {
    child,
    token,
    async provision(records, chunk = 2_000) {
      const total: ImportCounts = { requests: 0, total: 0, created: 0, updated: 0, rejected: 0 }
      for (const type of ['elders', 'devices', 'carers'] as const) {
        const rows = records[type]
        if (!rows?.length) continue
        const c = await importRows(child.httpUrl, token, type, rows, chunk)
        for (const k of Object.keys(total) as (keyof ImportCounts)[]) total[k] += c[k]
      }
      return total
    },
  }
}

/** Merges record sets of the same kinds. */
export function records(...sets: Records[]): Records {
  const out: Records = {}
  for (const set of sets) {
    for (const [type, rows] of Object.entries(set) as [ImportType, Row[]][]) {
      out[type] = [...(out[type] ?? []), ...rows]
    }
  }
  return out
}

/** Elders `E{prefix}{i}` spread around the county seat, each with a watch `{prefix}{i}` (secret `secret-{id}`). */
export function deviceRecords(prefix: string, count: number): Records {
  const elders: Row[] = []
  const devices: Row[] = []
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${i}`
    const home = {
      lat: 37.77 + ((i % 100) - 50) * 3e-4,
      lon: 117.62 + ((Math.floor(i / 100) % 100) - 50) * 3e-4,
    }
    elders.push({ id: `E${id}`, name: `老人${i}`, home })
    devices.push({ id, kind: 'watch', elderId: `E${id}`, secret: `secret-${id}` })
  }
  return { elders, devices }
}

export function carerRecords(prefix: string, count: number): Records {
  return {
    carers: Array.from({ length: count }, (_, i): Row => {
      const base = { lat: 37.77 + ((i % 10) - 5) * 2e-3, lon: 117.62 + (Math.floor(i / 10) - 2) * 2e-3 }
      const id = `${prefix}${i}`
      return { id, name: `护理员${i}`, mode: 'ebike', secret: `secret-${id}`, base }
    }),
  }
}
