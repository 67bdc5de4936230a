import type { Visit } from '../../../gateway/visits/model.ts'
import type { World } from '../../support/world.ts'

/** Days as the visits count them: the tests run the gateway in Asia/Shanghai (UTC+8, no DST). */
export const ZONE = 'Asia/Shanghai'
export const DAY_MS = 86_400_000

export function shanghaiDay(at: number): string {
  return new Date(at + 8 * 3_600_000).toISOString().slice(0, 10)
}

export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS)
}

/** A carer's phone token (POST /auth/carer), as the carer page gets one. */
export async function carerToken(world: World, carerId: string): Promise<string> {
  const res = await world.api<{ token: string }>('POST', '/api/v1/auth/carer', {
    carerId,
    secret: `secret-${carerId}`,
  })
  if (res.status !== 200) throw new Error(`carer login ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.token
}

/**
 * The elder's planned visit ahead (due or being done), read from the ledger. A new elder's visit is
 * planned after the PUT answers (the registry's listeners run after its commit): on SQLite that is
 * done within the same turn, on PostgreSQL a few round trips later, so an elder without one yet is
 * asked again for a while before it counts as none.
 */
export async function ahead(world: World, elderId: string): Promise<Visit> {
  const until = Date.now() + 5_000
  for (;;) {
    const res = await world.api<{ items: Visit[] }>(
      'GET',
      `/api/v1/visits?elderId=${elderId}&kind=planned&status=due,on_site`,
    )
    const [visit, ...more] = res.body.items
    if (visit && more.length === 0) return visit
    if (more.length > 0 || Date.now() > until)
      throw new Error(`${elderId}: ${res.body.items.length} visits ahead`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Upload an image to a visit as the carer's phone does: the bytes as the body. */
export async function upload(
  world: World,
  visitId: string,
  token: string,
  bytes: Buffer,
  type = 'image/jpeg',
) {
  const res = await world.app.surface.inject({
    method: 'POST',
    url: `/api/v1/visits/${visitId}/photos`,
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    payload: bytes,
  })
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> }
}

export const wellReport = { condition: 'well', needs: [] } as const
