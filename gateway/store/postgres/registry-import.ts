import type { BulkResult, BulkRow } from '../../registry/ports.ts'
import {
  bulkWrite,
  carerOf,
  type Dict,
  deviceOf,
  elderOf,
  importVerdicts,
  type Table,
  upsert,
  type Value,
  type Verdict,
} from '../rows/registry.ts'
import type { Queryable } from './db.ts'

/**
 * A registry import written in batches (cluster mode): the rows are judged in order against what
 * the store holds, read in one go, then each table's rows go in multi-row statements. A 10,000-elder
 * import is a few dozen statements, not 10,000 round trips a table.
 */

/** A set of ids given as one parameter, a JSON array. */
export const IDS = '(SELECT jsonb_array_elements_text(?::jsonb))'
/** Rows an import writes per statement, well under PostgreSQL's 65,535 parameters. */
const CHUNK = 500

/** Judges and writes an import's rows inside the caller's transaction (registry ports: `importMany`). */
export async function importRows(q: Queryable, rows: readonly BulkRow[], at: number): Promise<BulkResult[]> {
  const held = await heldIds(q, rows)
  const verdicts = importVerdicts(rows, (table, id) => held[table].has(id))
  const writes = rows.map((row, i) => {
    const verdict = verdicts[i]
    return verdict && 'created' in verdict ? { id: row.id, ...bulkWrite(row, at) } : undefined
  })
  const stored = await writeAll(q, writes)
  return rows.map((row, i): BulkResult => {
    const verdict = verdicts[i] as Verdict
    if ('refused' in verdict) return verdict
    const { created } = verdict
    const record = stored[i] as Dict
    if (row.type === 'elder') return { stored: { created, record: elderOf(record) } }
    if (row.type === 'device') return { stored: { created, record: deviceOf(record) } }
    return { stored: { created, record: carerOf(record) } }
  })
}

/** The ids an import names that the store already holds, table by table. */
async function heldIds(q: Queryable, rows: readonly BulkRow[]): Promise<Record<Table, Set<string>>> {
  const elders = rows.flatMap((r) =>
    r.type === 'elder' ? [r.id] : r.type === 'device' ? [r.body.elderId] : [],
  )
  const principals = rows.flatMap((r) => (r.type === 'elder' ? [] : [r.id]))
  const named = async (table: Table, ids: string[]) => {
    if (ids.length === 0) return new Set<string>()
    const found = await q.rows<{ id: string }>(`SELECT id FROM ${table} WHERE id IN ${IDS}`, [
      JSON.stringify([...new Set(ids)]),
    ])
    return new Set(found.map((r) => r.id))
  }
  return {
    elders: await named('elders', elders),
    devices: await named('devices', principals),
    carers: await named('carers', principals),
    services: await named('services', principals),
    stations: new Set(),
  }
}

type Write = { id: string; table: Table; values: Value[] }

/** Upserts the writes (undefined: a refused row), chunk by chunk; each row as stored, at the write's index. */
async function writeAll(q: Queryable, writes: readonly (Write | undefined)[]): Promise<(Dict | undefined)[]> {
  // PostgreSQL refuses to touch a row twice in one statement: the n-th row of an id goes in round n,
  // so the last row of an id is written last and stands, as when the rows are written one by one
  const rounds: Map<Table, number[]>[] = []
  const seen = new Map<string, number>()
  writes.forEach((w, i) => {
    if (!w) return
    const key = `${w.table}\u0000${w.id}`
    const round = seen.get(key) ?? 0
    seen.set(key, round + 1)
    const tables = rounds[round] ?? new Map<Table, number[]>()
    rounds[round] = tables
    const indexes = tables.get(w.table)
    if (indexes) indexes.push(i)
    else tables.set(w.table, [i])
  })
  const stored: (Dict | undefined)[] = []
  for (const tables of rounds) {
    for (const [table, indexes] of tables) {
      for (let from = 0; from < indexes.length; from += CHUNK) {
        const chunk = indexes.slice(from, from + CHUNK)
        const values = chunk.flatMap((i) => (writes[i] as Write).values)
        const rows = await q.rows<Dict>(`${upsert(table, chunk.length)} RETURNING *`, values)
        const byId = new Map(rows.map((r) => [String(r.id), r]))
        for (const i of chunk) stored[i] = byId.get((writes[i] as Write).id)
      }
    }
  }
  return stored
}
