/**
 * Keyset paging, newest first, on (a time, an id): the cursor is the last item's pair, opaque to
 * the client (contract: lists answer `{items, next?}`). A cursor we did not make reads as the first page.
 * Conditions are written with `?` placeholders, which both stores take (SQLite and PostgreSQL).
 */

/** A value a condition takes: what both stores bind alike. */
export type WhereArg = string | number | null

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

export function decodeCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  if (!cursor) return undefined
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown]
    if (typeof at === 'number' && typeof id === 'string') return { at, id }
  } catch {
    // fall through: the first page
  }
  return undefined
}

/** A WHERE clause's parts, collected condition by condition. */
export class Where {
  readonly #parts: string[] = []
  readonly args: WhereArg[] = []

  add(condition: string, ...args: WhereArg[]): this {
    this.#parts.push(condition)
    this.args.push(...args)
    return this
  }

  /** After the cursor's item in (atColumn DESC, idColumn DESC) order. */
  after(cursor: string | undefined, atColumn: string, idColumn: string): this {
    const c = decodeCursor(cursor)
    if (c) this.add(`(${atColumn} < ? OR (${atColumn} = ? AND ${idColumn} < ?))`, c.at, c.at, c.id)
    return this
  }

  toString(): string {
    return this.#parts.length > 0 ? `WHERE ${this.#parts.join(' AND ')}` : ''
  }
}

/**
 * Rows fetched with `LIMIT limit + 1` turned into a page: the extra row only says there is a next
 * page, whose cursor is the last item's (at, id).
 */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
  key: (row: R) => { at: number; id: string },
): { items: T[]; next?: string } {
  const items = rows.slice(0, limit).map(map)
  const last = rows[limit - 1]
  if (rows.length <= limit || last === undefined) return { items }
  const k = key(last)
  return { items, next: encodeCursor(k.at, k.id) }
}
