import { api } from './api.ts'
import type { Elder } from './model.ts'

let loading: Promise<Elder[]> | undefined

/**
 * The elders the caller may see (the API applies the scope), loaded once
 * when first needed: by the hotline form, which matches them as the
 * operator types (GET /elders has no text search), and by the map's homes.
 */
export function loadElders(): Promise<Elder[]> {
  loading ??= fetchAll().catch((error: unknown) => {
    loading = undefined
    throw error
  })
  return loading
}

async function fetchAll(): Promise<Elder[]> {
  const all: Elder[] = []
  let cursor: string | undefined
  for (let page = 0; page < 40; page++) {
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
    const res = await api<{ items: Elder[]; next?: string }>('GET', `/elders?limit=500${q}`)
    all.push(...res.items)
    if (!res.next) break
    cursor = res.next
  }
  return all
}
