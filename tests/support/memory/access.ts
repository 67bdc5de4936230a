import type {
  BootstrapRepository,
  BootstrapState,
  Session,
  SessionRepository,
} from '../../../gateway/access/ports.ts'

/** Sessions in memory, for unit tests of access. */
export class MemorySessions implements SessionRepository {
  readonly sessions = new Map<string, Session>()

  async add(session: Session): Promise<void> {
    this.sessions.set(session.tokenHash, { ...session })
  }

  async find(tokenHash: string): Promise<Session | undefined> {
    return this.sessions.get(tokenHash)
  }

  async end(tokenHash: string): Promise<boolean> {
    return this.sessions.delete(tokenHash)
  }

  async endOfCarer(carerId: string): Promise<string[]> {
    const ended = [...this.sessions.values()].filter((s) => s.carerId === carerId).map((s) => s.tokenHash)
    for (const hash of ended) this.sessions.delete(hash)
    return ended
  }

  async endOfUser(username: string): Promise<number> {
    const ended = [...this.sessions.values()].filter((s) => s.username === username && !s.carerId)
    for (const s of ended) this.sessions.delete(s.tokenHash)
    return ended.length
  }
}

/** The bootstrap token's state in memory. */
export class MemoryBootstrap implements BootstrapRepository {
  kept: BootstrapState = {}

  async state(): Promise<BootstrapState> {
    return { ...this.kept }
  }

  async keepTokenHash(hash: string): Promise<boolean> {
    if (this.kept.tokenHash !== undefined) return false
    this.kept.tokenHash = hash
    return true
  }

  async retire(at: number): Promise<number> {
    this.kept.retiredAt ??= at
    delete this.kept.tokenHash
    return this.kept.retiredAt
  }
}
