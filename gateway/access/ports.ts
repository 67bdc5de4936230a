/** A login's session: the sha256 of its bearer token (the token itself is never kept), and whom it stands for. */
export interface Session {
  tokenHash: string
  /** The web user, or for a carer's phone session the carer's id. */
  username: string
  /** Set for a carer's phone session (POST /auth/carer): the carer it is bound to. */
  carerId?: string
  expiresAt: number
}

/** Sessions of web users and carers' phones. */
export interface SessionRepository {
  add(session: Session): Promise<void>
  find(tokenHash: string): Promise<Session | undefined>
  /** Ends one session; false when there was none with that token. */
  end(tokenHash: string): Promise<boolean>
  /** Ends every phone session of the carer; answers their token hashes. */
  endOfCarer(carerId: string): Promise<string[]>
  /** Ends every web session of the user (a carer's phone sessions are not theirs); answers how many. */
  endOfUser(username: string): Promise<number>
}

/** What is kept of the bootstrap admin token: its hash until it is retired, and when it was. */
export interface BootstrapState {
  tokenHash?: string
  retiredAt?: number
}

/** The bootstrap admin token's state (contract: the first admin). */
export interface BootstrapRepository {
  state(): Promise<BootstrapState>
  /** Keeps the hash of a token made at first start; false (nothing kept) when one is already kept. */
  keepTokenHash(hash: string): Promise<boolean>
  /** Records the retirement and forgets the kept hash, at once; answers when it was retired (the first time). */
  retire(at: number): Promise<number>
}
