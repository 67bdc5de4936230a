import { type StatsAnswers, type StatsTask, TaskQueries } from '../stats/tasks.ts'
import type { PgStore } from './db.ts'
import { answer } from './stats/tasks.ts'

const STOPPED = 'stats runner stopped'

/**
 * The supervision figures' queries on PostgreSQL (cluster mode), the twin of SqliteStats
 * (../sqlite/stats/runner.ts), answering the same rows. The database counts in processes of its own,
 * so no worker thread is needed: each task is one read-only transaction on one pooled connection,
 * REPEATABLE READ so that all its statements read one snapshot (a report's counts and kinds agree, a
 * worklist's total counts its page). At most `limit` tasks run at once, so a wall of dashboards holds
 * at most that many of the pool's connections and dispatch keeps the rest; the others wait their turn.
 */
export class PgStats extends TaskQueries {
  readonly #store: PgStore
  readonly #limit: number
  readonly #running = new Set<Promise<unknown>>()
  readonly #waiting: { go: () => void; refuse: (error: Error) => void }[] = []
  #active = 0
  #stopped = false

  constructor(store: PgStore, limit = 2) {
    super()
    this.#store = store
    this.#limit = limit
  }

  override async run<T extends StatsTask>(task: T): Promise<StatsAnswers[T['type']]> {
    await this.#turn()
    const running = this.#store.tx(async (q) => {
      await q.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      return answer(q, task)
    })
    this.#running.add(running)
    try {
      return await running
    } finally {
      this.#running.delete(running)
      this.#pass()
    }
  }

  /** Takes no task from now on, drops those still waiting, and waits for the running ones to end. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const waiting of this.#waiting.splice(0)) waiting.refuse(new Error(STOPPED))
    await Promise.allSettled([...this.#running])
  }

  /** A turn now while under the limit, else when a running task ends. */
  #turn(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error(STOPPED))
    if (this.#active < this.#limit) {
      this.#active++
      return Promise.resolve()
    }
    return new Promise((go, refuse) => this.#waiting.push({ go, refuse }))
  }

  /** An ended task's turn goes to the next waiting one. */
  #pass(): void {
    const next = this.#waiting.shift()
    if (next) next.go()
    else this.#active--
  }
}
