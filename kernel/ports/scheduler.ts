import type { Clock, ManualClock } from './clock.ts'

/**
 * Timers by deadline, keyed so a deadline can be moved or cancelled.
 * One min-heap for all deadlines (offer expiries, device silence, cancel
 * grace...), so 20,000 device deadlines cost one host timer, and a manual
 * variant fires them in order without sleeping.
 */
export interface Scheduler {
  /**
   * Run `fn` at `dueAt` (epoch ms); replaces any deadline under the same key. A task may be
   * asynchronous: its failure, thrown or rejected, goes to the scheduler's error handler.
   */
  at(key: string, dueAt: number, fn: Task): void
  cancel(key: string): void
  dueAt(key: string): number | undefined
  size(): number
}

/** A deadline's work; a promise it returns is watched for failure (and awaited by the manual scheduler). */
export type Task = () => unknown

interface Entry {
  key: string
  dueAt: number
  order: number
  fn: Task
}

export type TaskErrorHandler = (key: string, error: unknown) => void

class DeadlineHeap {
  readonly #heap: Entry[] = []
  readonly #live = new Map<string, Entry>()
  #order = 0

  set(key: string, dueAt: number, fn: Task): void {
    const entry: Entry = { key, dueAt, order: this.#order++, fn }
    this.#live.set(key, entry)
    this.#push(entry)
  }

  delete(key: string): void {
    this.#live.delete(key)
  }

  dueAt(key: string): number | undefined {
    return this.#live.get(key)?.dueAt
  }

  get size(): number {
    return this.#live.size
  }

  /** Earliest live deadline, dropping cancelled or replaced entries on the way. */
  peek(): Entry | undefined {
    for (;;) {
      const top = this.#heap[0]
      if (top === undefined) return undefined
      if (this.#live.get(top.key) === top) return top
      this.#pop()
    }
  }

  take(): Entry | undefined {
    const top = this.peek()
    if (top === undefined) return undefined
    this.#pop()
    this.#live.delete(top.key)
    return top
  }

  #less(a: Entry, b: Entry): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order)
  }

  #push(entry: Entry): void {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as Entry
      if (!this.#less(entry, p)) break
      heap[i] = p
      i = parent
    }
    heap[i] = entry
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    const n = heap.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      let best = last
      const left = heap[l]
      const right = heap[r]
      if (l < n && left !== undefined && this.#less(left, best)) {
        m = l
        best = left
      }
      if (r < n && right !== undefined && this.#less(right, best)) {
        m = r
      }
      if (m === i) break
      heap[i] = heap[m] as Entry
      i = m
    }
    heap[i] = last
  }
}

function runTask(entry: Entry, onError: TaskErrorHandler): Promise<void> | undefined {
  try {
    const running: unknown = entry.fn()
    // a task typed `() => void` may still hand back a value: only a promise is awaited
    if (!(running instanceof Promise)) return undefined
    return running.catch((error: unknown) => onError(entry.key, error))
  } catch (error) {
    onError(entry.key, error)
    return undefined
  }
}

/** Production scheduler: one host timer armed for the earliest deadline. */
export class TimerScheduler implements Scheduler {
  readonly #heap = new DeadlineHeap()
  readonly #clock: Clock
  readonly #onError: TaskErrorHandler
  #timer: NodeJS.Timeout | undefined
  #armedFor = Number.POSITIVE_INFINITY
  #stopped = false

  constructor(clock: Clock, onError: TaskErrorHandler) {
    this.#clock = clock
    this.#onError = onError
  }

  at(key: string, dueAt: number, fn: Task): void {
    this.#heap.set(key, dueAt, fn)
    if (dueAt < this.#armedFor) this.#arm()
  }

  cancel(key: string): void {
    this.#heap.delete(key)
  }

  dueAt(key: string): number | undefined {
    return this.#heap.dueAt(key)
  }

  size(): number {
    return this.#heap.size
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    if (this.#stopped) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const next = this.#heap.peek()
    if (next === undefined) {
      this.#armedFor = Number.POSITIVE_INFINITY
      return
    }
    this.#armedFor = next.dueAt
    // Node clamps delays above 2^31-1 ms to 1 ms; re-arm in steps instead.
    const delay = Math.min(Math.max(0, next.dueAt - this.#clock.now()), 2 ** 31 - 1)
    this.#timer = setTimeout(() => this.#fire(), delay)
    this.#timer.unref()
  }

  #fire(): void {
    this.#timer = undefined
    this.#armedFor = Number.POSITIVE_INFINITY
    const now = this.#clock.now()
    for (let next = this.#heap.peek(); next !== undefined && next.dueAt <= now; next = this.#heap.peek()) {
      const entry = this.#heap.take()
      if (entry) void runTask(entry, this.#onError)
    }
    this.#arm()
  }
}

/** Test scheduler: deadlines fire only when `advance` moves its clock past them. */
export class ManualScheduler implements Scheduler {
  readonly clock: ManualClock
  readonly #heap = new DeadlineHeap()
  readonly #onError: TaskErrorHandler

  constructor(clock: ManualClock, onError: TaskErrorHandler = rethrow) {
    this.clock = clock
    this.#onError = onError
  }

  at(key: string, dueAt: number, fn: Task): void {
    this.#heap.set(key, dueAt, fn)
  }

  cancel(key: string): void {
    this.#heap.delete(key)
  }

  dueAt(key: string): number | undefined {
    return this.#heap.dueAt(key)
  }

  size(): number {
    return this.#heap.size
  }

  /**
   * Move time forward by `ms`, firing every deadline on the way in order, each at its own time and
   * each finished (an asynchronous task awaited) before the clock moves on — so a deadline a task
   * sets within the span fires in the same call.
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms
    for (let next = this.#heap.peek(); next !== undefined && next.dueAt <= target; next = this.#heap.peek()) {
      const entry = this.#heap.take()
      if (entry === undefined) break
      if (entry.dueAt > this.clock.now()) this.clock.set(entry.dueAt)
      await runTask(entry, this.#onError)
    }
    this.clock.set(target)
  }
}

function rethrow(_key: string, error: unknown): never {
  throw error
}
