import type { FrameSplitter, Split } from '../protocol.ts'

const OPEN = 0x5b // [
const CLOSE = 0x5d // ]

/**
 * Cuts a "3G" byte stream into frames, `[` … `]`. The length field is not
 * trusted (devices get it wrong), so a frame ends at its `]`: binary content
 * escapes every `[` and `]` (0x7D 0x02, 0x7D 0x03), so a raw one is always
 * framing. A `[` inside a frame means the frame before was cut short (a
 * half frame): it is dropped and the new one starts. Bytes outside frames
 * are counted as garbage. A frame longer than `max` is refused as soon as it
 * passes the limit and skipped to its end, never buffered past it.
 */
export class BracketSplitter implements FrameSplitter {
  readonly #max: number
  #parts: Buffer[] = []
  #held = 0
  /** Inside a frame (held, or skipped for its size), or between frames. */
  #state: 'between' | 'inside' | 'skipping' = 'between'

  constructor(maxFrameBytes: number) {
    this.#max = maxFrameBytes
  }

  get pending(): number {
    return this.#held
  }

  push(chunk: Buffer): Split {
    const out: Split = { frames: [], garbageBytes: 0, halfFrames: 0, oversize: 0 }
    let i = 0
    while (i < chunk.length) {
      if (this.#state === 'between') {
        const open = chunk.indexOf(OPEN, i)
        if (open < 0) {
          out.garbageBytes += chunk.length - i
          break
        }
        out.garbageBytes += open - i
        this.#state = 'inside'
        i = open + 1
        continue
      }
      const open = chunk.indexOf(OPEN, i)
      const close = chunk.indexOf(CLOSE, i)
      const end = close >= 0 && (open < 0 || close < open) ? close : -1
      if (end < 0 && open >= 0) {
        // a new frame starts before this one ended: what came before was half a frame
        if (this.#state === 'inside') out.halfFrames++
        this.#reset('inside')
        i = open + 1
        continue
      }
      const stop = end < 0 ? chunk.length : end
      if (this.#state === 'inside') this.#hold(chunk.subarray(i, stop), out)
      if (end >= 0) {
        if (this.#state === 'inside') out.frames.push(this.#take())
        this.#reset('between')
        i = end + 1
      } else i = chunk.length
    }
    return out
  }

  #hold(part: Buffer, out: Split): void {
    if (this.#held + part.length > this.#max) {
      // security: refused at the limit, the rest skipped unread (memory filled before login)
      out.oversize++
      this.#reset('skipping')
      return
    }
    if (part.length === 0) return
    // a chunk is the socket's own buffer: a copy, so a frame never pins a 64 KB read
    this.#parts.push(Buffer.from(part))
    this.#held += part.length
  }

  #take(): Buffer {
    return this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#held)
  }

  #reset(state: 'between' | 'inside' | 'skipping'): void {
    this.#parts = []
    this.#held = 0
    this.#state = state
  }
}
