import { connect, type Socket } from 'node:net'
import type { Point } from './district.ts'

/**
 * A simulated elder watch speaking the "3G" text protocol over TCP, as the
 * cheap 4G watches a civil-affairs bureau hands out do: heartbeats, fixes
 * (or the cells it hears when it has none), the SOS key and falls as alarm
 * frames, and answers to the gateway's commands. It writes its own frames
 * from the protocol's description, as a device would.
 */
export interface SimWatchOptions {
  host: string
  port: number
  id: string
  /** A text the gateway put on the screen (`MESSAGE`). */
  onMessage?: (text: string) => void
  /** The gateway asked for a fix now (`CR`). */
  onLocate?: () => void
}

const SOS_BIT = 16
const FALL_BIT = 21

const two = (n: number) => String(n).padStart(2, '0')

export class SimWatch {
  readonly #o: SimWatchOptions
  #socket: Socket | undefined
  #buffer = ''
  #stopped = false
  /** Reply frames the gateway sent, by type: how many. */
  readonly replies = new Map<string, number>()

  constructor(options: SimWatchOptions) {
    this.#o = options
  }

  async start(): Promise<void> {
    const socket = connect({ host: this.#o.host, port: this.#o.port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('error', reject)
    })
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => this.#read(chunk.toString('utf8')))
    // a watch on a mobile network loses its connection and dials again
    socket.once('close', () => {
      if (!this.#stopped) setTimeout(() => void this.start().catch(() => undefined), 1_000).unref()
    })
    this.#socket = socket
  }

  heartbeat(steps: number, battery: number): void {
    this.#send(`LK,${steps},0,${battery}`)
  }

  /** A position report: a fix, or (none) the cell it hears. */
  report(fix: Point | undefined, battery: number, steps: number): void {
    this.#send(this.#position('UD', fix, battery, steps, 0))
  }

  sos(fix: Point | undefined, battery: number): void {
    this.#send(this.#position('AL', fix, battery, 0, 2 ** SOS_BIT))
  }

  fall(fix: Point | undefined, battery: number): void {
    this.#send(this.#position('AL', fix, battery, 0, 2 ** FALL_BIT))
  }

  stop(): void {
    this.#stopped = true
    this.#socket?.destroy()
  }

  #position(type: string, fix: Point | undefined, battery: number, steps: number, status: number): string {
    const d = new Date()
    const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`
    const time = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`
    const where = fix
      ? ['A', fix.lat.toFixed(6), 'N', fix.lon.toFixed(6), 'E']
      : ['V', '0.000000', 'N', '0.000000', 'E']
    const word = status.toString(16).toUpperCase().padStart(8, '0')
    // one cell (China Mobile) and no Wi-Fi
    const radio = ['1', '0', '460', '0', '9520', '3671', '-79', '0']
    return [
      type,
      date,
      time,
      ...where,
      '0.00',
      '0.0',
      '0.0',
      '6',
      '100',
      battery,
      steps,
      '0',
      word,
      ...radio,
    ].join(',')
  }

  #send(content: string): void {
    const body = Buffer.from(content, 'utf8')
    const length = body.length.toString(16).toUpperCase().padStart(4, '0')
    this.#socket?.write(Buffer.concat([Buffer.from(`[3G*${this.#o.id}*${length}*`), body, Buffer.from(']')]))
  }

  #read(text: string): void {
    this.#buffer += text
    for (;;) {
      const open = this.#buffer.indexOf('[')
      const close = this.#buffer.indexOf(']', open)
      if (open < 0 || close < 0) break
      const frame = this.#buffer.slice(open + 1, close)
      this.#buffer = this.#buffer.slice(close + 1)
      this.#frame(frame.split('*').slice(3).join('*'))
    }
    if (this.#buffer.length > 65_536) this.#buffer = ''
  }

  #frame(content: string): void {
    const [type = '', ...fields] = content.split(',')
    this.replies.set(type, (this.replies.get(type) ?? 0) + 1)
    if (type === 'MESSAGE') {
      const bytes = Buffer.from(fields[0] ?? '', 'hex')
      bytes.swap16()
      this.#o.onMessage?.(bytes.toString('utf16le'))
    }
    if (type === 'CR') this.#o.onLocate?.()
    // every command is answered with its own type
    if (['CR', 'UPLOAD', 'SOS1', 'SOS2', 'SOS3', 'CENTER', 'MESSAGE', 'FIND'].includes(type)) this.#send(type)
  }
}
