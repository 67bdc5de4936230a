import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChildGateway, spawnGateway } from '../../tests/support/child.ts'

/** The whole gateway (`gateway/main.ts`) as its own process, and REST provisioning against it. */
export interface BenchGateway {
  child: ChildGateway
  token: string
  put(path: string, body: unknown): Promise<void>
  /** PUT many records, `concurrency` requests in flight. */
  putAll(items: readonly [string, unknown][], concurrency?: number): Promise<void>
}

export async function startGateway(
  dataDir = mkdtempSync(join(tmpdir(), 'care-bench-')),
): Promise<BenchGateway> {
  const token = `bench-${randomBytes(12).toString('hex')}`
  const child = await spawnGateway(
    { CARE_ADMIN_TOKEN: token, CARE_DATA_DIR: dataDir, CARE_FLOWS: 'off', CARE_LOG_LEVEL: 'silent' },
    60_000,
  )
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${child.httpUrl}/api/v1${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`)
  }
  return {
    child,
    token,
    put,
    async putAll(items, concurrency = 16) {
      let next = 0
      const worker = async () => {
        while (next < items.length) {
          const [path, body] = items[next++] as [string, unknown]
          await put(path, body)
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
    },
  }
}

/** Elders and devices `{prefix}{i}` spread around the county seat. */
export function deviceRecords(prefix: string, count: number): [string, unknown][] {
  const out: [string, unknown][] = []
  for (let i = 0; i < count; i++) {
    const home = {
      lat: 37.77 + ((i % 100) - 50) * 3e-4,
      lon: 117.62 + ((Math.floor(i / 100) % 100) - 50) * 3e-4,
    }
    out.push([`/elders/E${prefix}${i}`, { name: `老人${i}`, home }])
  }
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${i}`
    out.push([`/devices/${id}`, { kind: 'watch', elderId: `E${id}`, secret: `secret-${id}` }])
  }
  return out
}

export function carerRecords(prefix: string, count: number): [string, unknown][] {
  return Array.from({ length: count }, (_, i): [string, unknown] => {
    const base = { lat: 37.77 + ((i % 10) - 5) * 2e-3, lon: 117.62 + (Math.floor(i / 10) - 2) * 2e-3 }
    const id = `${prefix}${i}`
    return [`/carers/${id}`, { name: `护理员${i}`, mode: 'ebike', secret: `secret-${id}`, base }]
  })
}
