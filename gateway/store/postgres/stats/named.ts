import type { Row } from '../../stats/rows.ts'
import type { Arg, Queryable } from '../db.ts'

/**
 * A statement with named parameters (`:prefix`), as the figures' shared SQL is written
 * (../../stats/sql.ts), turned into the store's `?` form: each name becomes a `?` and its value is
 * given once per place it appears. Quoted text and `::` casts are left alone; a name without a value
 * is a mistake in the statement and throws.
 */
export function named(sql: string, params: Readonly<Record<string, Arg>>): { sql: string; args: Arg[] } {
  const args: Arg[] = []
  let out = ''
  let quote: string | undefined
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string
    if (quote) {
      if (ch === quote) quote = undefined
      out += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      out += ch
    } else if (ch === ':' && sql[i + 1] === ':') {
      out += '::'
      i++
    } else if (ch === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))?.[0] as string
      if (!(name in params)) throw new Error(`no value for :${name}`)
      args.push(params[name] as Arg)
      out += '?'
      i += name.length
    } else {
      out += ch
    }
  }
  return { sql: out, args }
}

/** The rows of a statement with named parameters. */
export function rowsOf<R = Row>(
  q: Queryable,
  sql: string,
  params: Readonly<Record<string, Arg>>,
): Promise<R[]> {
  const bound = named(sql, params)
  return q.rows<R>(bound.sql, bound.args)
}
