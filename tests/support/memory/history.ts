import type {
  ErasureJob,
  ErasureJobRepository,
  OutboxAppend,
  OutboxAppended,
  OutboxRepository,
  OutboxRow,
} from '../../../gateway/history/ports.ts'

/** The history outbox in memory: rows in id order, the refused apart, the alarm cursor. */
export class MemoryOutbox implements OutboxRepository {
  readonly rows: (OutboxRow & { at: number })[] = []
  readonly rejected: (OutboxRow & { status: number | undefined; reason: string })[] = []
  cursorAt: number | undefined
  #nextId = 1

  async counts(): Promise<{ waiting: number; rejected: number }> {
    return { waiting: this.rows.length, rejected: this.rejected.length }
  }

  async oldestAt(): Promise<number | undefined> {
    return this.rows[0]?.at
  }

  async append(append: OutboxAppend): Promise<OutboxAppended> {
    return this.appendNow(append)
  }

  /** The append as the telemetry batch's transaction makes it. */
  appendNow(append: OutboxAppend): OutboxAppended {
    for (const l of append.lines)
      this.rows.push({ id: this.#nextId++, cls: l.cls, line: l.line, at: append.at })
    const dropped: OutboxAppended['dropped'] = []
    let excess = append.excess
    for (const cls of append.dropOrder) {
      if (excess <= 0) break
      const victims = this.rows.filter((r) => r.cls === cls && r.id > append.spareThrough).slice(0, excess)
      if (victims.length === 0) continue
      for (const v of victims) this.rows.splice(this.rows.indexOf(v), 1)
      excess -= victims.length
      dropped.push({ cls, count: victims.length })
    }
    if (append.cursor !== undefined && (this.cursorAt === undefined || append.cursor > this.cursorAt))
      this.cursorAt = append.cursor
    return { dropped }
  }

  async take(max: number): Promise<OutboxRow[]> {
    return this.rows.slice(0, max).map(({ id, cls, line }) => ({ id, cls, line }))
  }

  async remove(first: number, last: number): Promise<number> {
    const before = this.rows.length
    this.rows.splice(0, this.rows.length, ...this.rows.filter((r) => r.id < first || r.id > last))
    return before - this.rows.length
  }

  async setAside(ids: readonly number[], status: number | undefined, reason: string): Promise<number> {
    let moved = 0
    for (const id of ids) {
      const at = this.rows.findIndex((r) => r.id === id)
      const row = this.rows[at]
      if (!row) continue
      this.rows.splice(at, 1)
      this.rejected.push({ id, cls: row.cls, line: row.line, status, reason })
      moved++
    }
    return moved
  }

  async cursor(): Promise<number | undefined> {
    return this.cursorAt
  }

  async advanceCursor(at: number): Promise<void> {
    if (this.cursorAt === undefined || at > this.cursorAt) this.cursorAt = at
  }
}

/** Erasure jobs in memory. */
export class MemoryErasureJobs implements ErasureJobRepository {
  readonly jobs = new Map<string, ErasureJob & { attempts: number; lastError?: string }>()

  /** As an erasure's transaction records one. */
  record(elderId: string, at: number): void {
    this.jobs.delete(elderId)
    this.jobs.set(elderId, { elderId, status: 'pending', requestedAt: at, attempts: 0 })
  }

  async list(): Promise<ErasureJob[]> {
    return [...this.jobs.values()]
      .sort((a, b) => a.requestedAt - b.requestedAt)
      .map(({ elderId, status, requestedAt }) => ({ elderId, status, requestedAt }))
  }

  async failed(elderId: string, error: string): Promise<void> {
    const job = this.jobs.get(elderId)
    if (!job) return
    job.attempts++
    job.lastError = error
  }

  async done(elderId: string): Promise<void> {
    this.jobs.delete(elderId)
  }

  async manual(elderId: string): Promise<void> {
    const job = this.jobs.get(elderId)
    if (job) job.status = 'manual'
  }
}
