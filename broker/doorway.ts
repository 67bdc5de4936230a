import type { Connection } from 'aedes'
import { FrameGuard, type FrameRefusal } from './frames.ts'

/** Sockets over the cap let in anyway, only to be told CONNACK 3; past these, closed at once. */
const REFUSAL_ROOM = 64

export interface DoorwayOptions {
  /** Connections at once, logged in or not (`CARE_MAX_CONNECTIONS`). */
  limit: number
  /** The largest MQTT packet, in remaining-length bytes. */
  maxPacketBytes: number
  /** A socket closed for its bytes, before Aedes saw them. */
  onRefused(conn: Connection, refusal: FrameRefusal): void
  /** A socket closed at once: over the cap and past the room for telling it so. */
  onTurnedAway(conn: Connection): void
}

/**
 * The broker's door: every socket, before Aedes. A socket takes a place
 * under the connection cap as it is accepted — logged in or not, so sockets
 * that never log in cannot pile up (security) — and gives it back when it
 * closes. Every byte passes a `FrameGuard` before Aedes reads it.
 */
export class Doorway {
  readonly #o: DoorwayOptions
  /** Sockets holding a place under the cap. */
  readonly #placed = new Set<Connection>()
  /** Sockets over the cap, let in only to be answered CONNACK 3. */
  readonly #overflow = new Set<Connection>()

  constructor(options: DoorwayOptions) {
    this.#o = options
  }

  /** Let a socket in, or close it; true when Aedes may have it. */
  admit(conn: Connection): boolean {
    if (this.#placed.size < this.#o.limit) this.#placed.add(conn)
    else if (this.#overflow.size < REFUSAL_ROOM) this.#overflow.add(conn)
    else {
      this.#o.onTurnedAway(conn)
      conn.destroy()
      return false
    }
    conn.once('close', () => {
      this.#placed.delete(conn)
      this.#overflow.delete(conn)
    })
    this.#guard(conn)
    return true
  }

  /** Does this socket hold a place under the cap (else its login is refused with CONNACK 3)? */
  placed(conn: Connection): boolean {
    return this.#placed.has(conn)
  }

  /** A login was refused: its place is free now, before its socket has finished closing. */
  release(conn: Connection): void {
    this.#placed.delete(conn)
  }

  /** Every socket still open. */
  sockets(): Connection[] {
    return [...this.#placed, ...this.#overflow]
  }

  /**
   * Aedes pulls each chunk of a connection with `read()` (it never listens
   * for 'data'), so the guard sees every chunk first; a refused one is not
   * handed on, and the socket is closed.
   */
  #guard(conn: Connection): void {
    const guard = new FrameGuard(this.#o.maxPacketBytes)
    const read = conn.read.bind(conn)
    let refused = false
    conn.read = (size?: number) => {
      const chunk: unknown = read(size)
      if (refused) return null
      if (!(chunk instanceof Uint8Array)) return chunk
      const refusal = guard.feed(chunk)
      if (refusal === undefined) return chunk
      refused = true
      this.#o.onRefused(conn, refusal)
      conn.destroy()
      return null
    }
  }
}
