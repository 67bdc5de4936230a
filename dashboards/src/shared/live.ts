import type { LiveMessage } from './model.ts'
import { session } from './session.ts'

export type LiveStatus = 'connecting' | 'live' | 'reconnecting'

/**
 * The board's subscription to /api/v1/live: a snapshot, then events. When
 * the socket drops it comes back by itself and resumes after the last
 * sequence number it saw (the gateway sends a fresh snapshot when that is
 * too old). STYLE.md: the board is a subscriber, never a reader of the store.
 */
export class LiveStream {
  readonly #onMessage: (m: LiveMessage) => void
  readonly #onStatus: (s: LiveStatus) => void
  #socket: WebSocket | undefined
  #lastSeq: number | undefined
  #retryMs = 500
  #stopped = false
  /** Server clock minus ours, from the events' `at`: timers follow the gateway's clock. */
  skewMs = 0

  constructor(onMessage: (m: LiveMessage) => void, onStatus: (s: LiveStatus) => void) {
    this.#onMessage = onMessage
    this.#onStatus = onStatus
  }

  start(): void {
    this.#stopped = false
    this.#open()
  }

  stop(): void {
    this.#stopped = true
    this.#socket?.close()
  }

  /** Closes the socket as a network blip would; it comes back by itself (tests and the benchmark use it). */
  drop(): void {
    this.#socket?.close()
  }

  /** The gateway's "now", as well as the stream lets us know it. */
  now(): number {
    return Date.now() + this.skewMs
  }

  #open(): void {
    const token = session()?.token ?? ''
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    const since = this.#lastSeq !== undefined ? `&since=${this.#lastSeq}` : ''
    const socket = new WebSocket(
      `${scheme}://${location.host}/api/v1/live?token=${encodeURIComponent(token)}${since}`,
    )
    this.#socket = socket
    this.#onStatus(this.#lastSeq === undefined ? 'connecting' : 'reconnecting')
    socket.onopen = () => {
      this.#retryMs = 500
      this.#onStatus('live')
    }
    socket.onmessage = (e: MessageEvent<string>) => {
      const message = JSON.parse(e.data) as LiveMessage
      this.#lastSeq = message.seq
      this.skewMs = message.at - Date.now()
      this.#onMessage(message)
    }
    socket.onclose = () => {
      if (this.#stopped) return
      this.#onStatus('reconnecting')
      setTimeout(() => this.#open(), this.#retryMs)
      this.#retryMs = Math.min(this.#retryMs * 2, 10_000)
    }
  }
}
