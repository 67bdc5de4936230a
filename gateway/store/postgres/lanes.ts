import type { LaneStore } from '../../cluster/lanes.ts'
import type { PgStore } from './db.ts'

/** The nodes' heartbeats and the lanes' leases (docs/cluster.md), in PostgreSQL. */
export class PgLanes implements LaneStore {
  readonly #store: PgStore

  constructor(store: PgStore) {
    this.#store = store
  }

  async heartbeat(node: string, now: number, since: number): Promise<string[]> {
    await this.#store.run(
      `INSERT INTO cluster_nodes (node, seen_at, started_at) VALUES (?, ?, ?)
       ON CONFLICT (node) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
      [node, now, now],
    )
    const rows = await this.#store.rows<{ node: string }>(
      'SELECT node FROM cluster_nodes WHERE seen_at >= ? ORDER BY node',
      [since],
    )
    return rows.map((r) => r.node)
  }

  async claim(
    node: string,
    lanes: readonly number[],
    alive: readonly string[],
    now: number,
    until: number,
  ): Promise<number[]> {
    if (lanes.length > 0) {
      await this.#store.run(
        `UPDATE cluster_lanes SET node = ?, expires_at = ?
         WHERE lane = ANY(?::int[])
           AND (node IS NULL OR node = ? OR expires_at < ? OR NOT (node = ANY(?::text[])))`,
        [node, until, lanes, node, now, alive],
      )
    }
    const rows = await this.#store.rows<{ lane: number }>(
      'SELECT lane FROM cluster_lanes WHERE node = ? AND expires_at > ? ORDER BY lane',
      [node, now],
    )
    return rows.map((r) => r.lane)
  }

  async release(node: string, lanes: readonly number[]): Promise<void> {
    await this.#store.run(
      'UPDATE cluster_lanes SET node = NULL, expires_at = 0 WHERE node = ? AND lane = ANY(?::int[])',
      [node, lanes],
    )
  }

  async leave(node: string): Promise<void> {
    await this.#store.tx(async (q) => {
      await q.run('UPDATE cluster_lanes SET node = NULL, expires_at = 0 WHERE node = ?', [node])
      await q.run('DELETE FROM cluster_nodes WHERE node = ?', [node])
    })
  }
}
