import type { District } from './district.ts'

/**
 * Registers a district through the public REST API, a record per
 * `PUT /api/v1/{elders|devices|carers}/{id}`, a few requests in flight at a
 * time (there is no bulk import yet).
 */
export async function provision(
  district: District,
  httpUrl: string,
  token: string,
  concurrency = 8,
): Promise<{ requests: number; ms: number }> {
  const t0 = performance.now()
  let requests = 0
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${httpUrl}/api/v1${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    requests++
    if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`)
  }
  const inBatches = async <T>(items: readonly T[], each: (item: T) => Promise<void>) => {
    let next = 0
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++] as T
        await each(item)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  }
  await inBatches(district.elders, ({ id, wanders: _w, ...elder }) => put(`/elders/${id}`, elder))
  await inBatches(district.devices, ({ id, ...device }) => put(`/devices/${id}`, device))
  await inBatches(district.carers, ({ id, shift: _s, ...carer }) => put(`/carers/${id}`, carer))
  return { requests, ms: Math.round(performance.now() - t0) }
}
