/** MQTT control packet types (the high nibble of the first byte). */
const CONNECT = 1

export type FrameRefusal =
  | { reason: 'connect_first'; type: number }
  | { reason: 'packet_too_large'; type: number; bytes: number; limit: number }
  | { reason: 'bad_length'; type: number }

/**
 * Reads an MQTT byte stream's fixed headers as they arrive — one byte of
 * type and flags, then the remaining length in up to four 7-bit bytes — and
 * says no the moment a header breaks the rules: the first packet must be a
 * CONNECT (MQTT-3.1.0-1), and no packet may announce more than `limit`
 * bytes. Aedes' parser buffers a packet until it is complete, whatever
 * length it announced; this sees the length first (security: memory filled
 * before login). It skips packet bodies without copying them.
 */
export class FrameGuard {
  readonly #limit: number
  /** Where the scan stands: a packet's first byte, its length bytes, or inside its body. */
  #state: 'type' | 'length' | 'body' = 'type'
  #type = 0
  #length = 0
  #lengthBytes = 0
  #bodyLeft = 0
  #packets = 0

  constructor(limit: number) {
    this.#limit = limit
  }

  /** Look at the next bytes of the stream; a refusal means: close the connection, hand nothing on. */
  feed(chunk: Uint8Array): FrameRefusal | undefined {
    let i = 0
    while (i < chunk.length) {
      if (this.#state === 'body') {
        const skip = Math.min(this.#bodyLeft, chunk.length - i)
        this.#bodyLeft -= skip
        i += skip
        if (this.#bodyLeft === 0) this.#state = 'type'
        continue
      }
      const byte = chunk[i++] as number
      if (this.#state === 'type') {
        this.#type = byte >> 4
        if (this.#packets === 0 && this.#type !== CONNECT)
          return { reason: 'connect_first', type: this.#type }
        this.#state = 'length'
        this.#length = 0
        this.#lengthBytes = 0
        continue
      }
      this.#length += (byte & 0x7f) * 128 ** this.#lengthBytes
      this.#lengthBytes++
      if (byte & 0x80) {
        if (this.#lengthBytes === 4) return { reason: 'bad_length', type: this.#type }
        // the length can only grow from here: refuse as soon as it must exceed the limit
        if (this.#length > this.#limit) return this.#tooLarge()
        continue
      }
      if (this.#length > this.#limit) return this.#tooLarge()
      this.#packets++
      this.#bodyLeft = this.#length
      this.#state = this.#length === 0 ? 'type' : 'body'
    }
    return undefined
  }

  #tooLarge(): FrameRefusal {
    return { reason: 'packet_too_large', type: this.#type, bytes: this.#length, limit: this.#limit }
  }
}
