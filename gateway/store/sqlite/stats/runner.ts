import type { DatabaseSync } from 'node:sqlite'
import { Worker } from 'node:worker_threads'
import type { Store } from '../../db.ts'
import { TaskQueries } from '../../stats/tasks.ts'
import { answer, type StatsAnswers, type StatsTask } from './tasks.ts'
import type { StatsJob, StatsReply } from './worker.ts'

/** docs/stats.md: a worker left idle this long is stopped; the next task starts one again. */
const IDLE_MS = 60_000

interface Thread {
  worker: Worker
  exited: Promise<void>
  busy: boolean
  idle?: NodeJS.Timeout | undefined
  pending?: { id: number; resolve: (answer: unknown) => void; reject: (error: Error) => void } | undefined
}

/**
 * The supervision figures' queries, run in worker threads over the store file (see ./worker.ts): at
 * most `limit` threads, each one task at a time, so a wall of dashboards cannot take every core from
 * dispatch; the rest wait their turn. Threads are kept between tasks (a worklist exported page by page
 * would otherwise start one per page) and stopped when idle or at `stop()`. A store in memory has no
 * file a worker could open: its tasks run inline, on the store's own connection.
 */
export class SqliteStats extends TaskQueries {
  readonly #path: string
  readonly #inline: DatabaseSync | undefined
  readonly #limit: number
  readonly #threads: Thread[] = []
  readonly #waiting: ((thread: Thread) => void)[] = []
  #ids = 0
  #stopped = false

  constructor(store: Store, limit = 2) {
    super()
    this.#path = store.path
    this.#limit = limit
    this.#inline = store.path === ':memory:' ? store.db : undefined
  }

  override async run<T extends StatsTask>(task: T): Promise<StatsAnswers[T['type']]> {
    if (this.#inline) return answer(this.#inline, task)
    if (this.#stopped) throw new Error('stats runner stopped')
    const thread = await this.#take()
    try {
      return (await this.#send(thread, task)) as StatsAnswers[T['type']]
    } finally {
      this.#give(thread)
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all([...this.#threads].map((t) => this.#end(t)))
  }

  /** A free thread, a new one while under the limit, or the next one freed. */
  #take(): Promise<Thread> {
    const free = this.#threads.find((t) => !t.busy)
    if (free) {
      clearTimeout(free.idle)
      free.busy = true
      free.worker.ref()
      return Promise.resolve(free)
    }
    if (this.#threads.length < this.#limit) return Promise.resolve(this.#start())
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #give(thread: Thread): void {
    if (!this.#threads.includes(thread)) return
    const next = this.#waiting.shift()
    if (next) return next(thread)
    thread.busy = false
    thread.worker.unref()
    thread.idle = setTimeout(() => void this.#end(thread), IDLE_MS)
    thread.idle.unref()
  }

  #start(): Thread {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { path: this.#path } })
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    const thread: Thread = { worker, exited, busy: true }
    worker.on('message', (reply: StatsReply) => {
      const pending = thread.pending
      if (pending?.id !== reply.id) return
      thread.pending = undefined
      if ('error' in reply) pending.reject(new Error(reply.error))
      else pending.resolve(reply.answer)
    })
    const gone = (error: Error) => {
      const at = this.#threads.indexOf(thread)
      if (at < 0) return
      this.#threads.splice(at, 1)
      clearTimeout(thread.idle)
      thread.pending?.reject(error)
      thread.pending = undefined
      // a task waiting for this thread gets a new one
      const next = this.#waiting.shift()
      if (next) next(this.#start())
    }
    worker.once('error', gone)
    worker.once('exit', (code) => gone(new Error(`stats worker exited with code ${code}`)))
    this.#threads.push(thread)
    return thread
  }

  #send(thread: Thread, task: StatsTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = ++this.#ids
      thread.pending = { id, resolve, reject }
      thread.worker.postMessage({ id, task } satisfies StatsJob)
    })
  }

  async #end(thread: Thread): Promise<void> {
    clearTimeout(thread.idle)
    // an idle thread is unref'd: held again, so a stop that waits for it keeps the process up until it exits
    thread.worker.ref()
    thread.worker.postMessage('stop')
    await thread.exited
  }
}
