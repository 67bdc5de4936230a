import type { Page } from '../../../kernel/contract/page.ts'

/** Newest first on (createdAt, key), with the last item's pair as the cursor, as the SQLite adapters page. */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => { at: number; id: string },
  limit: number,
  cursor: string | undefined,
): Page<T> {
  const after = cursor ? (JSON.parse(cursor) as [number, string]) : undefined
  const sorted = [...items]
    .map((item) => ({ item, k: key(item) }))
    .sort((a, b) => b.k.at - a.k.at || (a.k.id < b.k.id ? 1 : a.k.id > b.k.id ? -1 : 0))
    .filter(({ k }) => !after || k.at < after[0] || (k.at === after[0] && k.id < after[1]))
  const items_ = sorted.slice(0, limit)
  const last = items_.at(-1)
  return sorted.length > limit && last
    ? { items: items_.map((x) => x.item), next: JSON.stringify([last.k.at, last.k.id]) }
    : { items: items_.map((x) => x.item) }
}
