import { connect, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { BracketSplitter } from '../../broker/watch/threeg/frames.ts'

/** One frame the gateway sent, read as text: its head fields and content. */
export interface WatchFrame {
  maker: string
  id: string
  /** The type (`AL`, `MESSAGE`, `UPLOAD`…) and the fields after it. */
  type: string
  fields: string[]
  raw: string
}

/**
 * A "3G" watch over a real TCP socket, written for the tests: it writes
 * frames, records what the gateway sends back and can wait for a frame.
 */
export class TestWatch {
  readonly socket: Socket
  readonly received: WatchFrame[] = []
  readonly closed: Promise<void>
  readonly #splitter = new BracketSplitter(1 << 20)
  readonly #waiters: { match: (f: WatchFrame) => boolean; resolve: (f: WatchFrame) => void }[] = []

  private constructor(socket: Socket) {
    this.socket = socket
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of this.#splitter.push(chunk).frames) this.#take(bytes)
    })
  }

  /** Over TLS when given the certificate authority to trust. */
  static async connect(port: number, tls?: { ca: Buffer }): Promise<TestWatch> {
    const socket = tls
      ? connectTls({ port, host: '127.0.0.1', ca: tls.ca })
      : connect({ port, host: '127.0.0.1', noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve())
      socket.once('error', reject)
    })
    return new TestWatch(socket)
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed'
  }

  write(...frames: (Buffer | string)[]): void {
    this.socket.write(Buffer.concat(frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f))))
  }

  /** The first frame (already received or coming) that matches. */
  next(match: (f: WatchFrame) => boolean, timeoutMs = 5_000, label = 'frame'): Promise<WatchFrame> {
    const already = this.received.find(match)
    if (already) return Promise.resolve(already)
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve }
      this.#waiters.push(waiter)
      setTimeout(() => {
        const i = this.#waiters.indexOf(waiter)
        if (i < 0) return
        this.#waiters.splice(i, 1)
        reject(new Error(`timed out waiting for ${label}; got ${this.received.map((f) => f.raw).join(' ')}`))
      }, timeoutMs)
    })
  }

  /** The next frame of `type` after the `count` of that type already received. */
  nth(type: string, count: number, timeoutMs = 5_000): Promise<WatchFrame> {
    let seen = 0
    return this.next((f) => f.type === type && ++seen > count, timeoutMs, `${type} #${count + 1}`)
  }

  of(type: string): WatchFrame[] {
    return this.received.filter((f) => f.type === type)
  }

  end(): Promise<void> {
    this.socket.end()
    this.socket.destroy()
    return this.closed
  }

  #take(bytes: Buffer): void {
    const raw = bytes.toString('utf8')
    const parts = raw.split('*')
    // [MF*ID*LLLL*CONTENT] or [MF*ID*IIII*LLLL*CONTENT]: content is what follows the last hex field
    const content = parts.length > 4 ? parts.slice(4).join('*') : parts.slice(3).join('*')
    const [type = '', ...fields] = content.split(',')
    const frame = { maker: parts[0] ?? '', id: parts[1] ?? '', type, fields, raw }
    this.received.push(frame)
    for (const w of [...this.#waiters]) {
      if (w.match(frame)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        w.resolve(frame)
      }
    }
  }
}

/** A `MESSAGE` frame's text: UTF-16BE in hex. */
export function messageText(frame: WatchFrame): string {
  const bytes = Buffer.from(frame.fields[0] ?? '', 'hex')
  bytes.swap16()
  return bytes.toString('utf16le')
}
