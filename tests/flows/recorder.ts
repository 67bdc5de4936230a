import { createServer, type Server, type ServerResponse } from 'node:http'

export interface Recorded {
  method: string
  path: string
  body: string
  json: unknown
}

/** A loopback HTTP server standing in for the SMS provider, the 12349 hotline and the report webhook. */
export class Recorder {
  readonly requests: Recorded[] = []
  /** The next this-many SMS requests answer 503 (an SMS provider down). */
  failSms = 0
  /** The next this-many hotline requests answer 500. */
  failHotline = 0
  /** While set, SMS requests get no answer at all (a provider that hangs); `releaseSms()` answers them. */
  holdSms = false
  readonly #heldSms: (() => void)[] = []
  #server: Server | undefined
  port = 0

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = body ? JSON.parse(body) : undefined
        } catch {
          json = undefined
        }
        const path = req.url ?? '/'
        this.requests.push({ method: req.method ?? '', path, body, json })
        if (path.startsWith('/sms') && this.holdSms) {
          this.#heldSms.push(() => this.#answer(path, res))
          return
        }
        this.#answer(path, res)
      })
    })
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve))
    const address = this.#server.address()
    this.port = typeof address === 'object' && address ? address.port : 0
  }

  /** Answers every SMS request held so far, and the next ones at once. */
  releaseSms(): void {
    this.holdSms = false
    for (const answer of this.#heldSms.splice(0)) answer()
  }

  #answer(path: string, res: ServerResponse): void {
    if (path.startsWith('/sms') && this.failSms > 0) {
      this.failSms -= 1
      res.writeHead(503).end('busy')
      return
    }
    if (path.startsWith('/hotline') && this.failHotline > 0) {
      this.failHotline -= 1
      res.writeHead(500).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(path.startsWith('/hotline') ? { ticket: 'RX-0001' } : { ok: true }))
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`
  }

  at(prefix: string): Recorded[] {
    return this.requests.filter((r) => r.path.startsWith(prefix))
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()))
  }
}
