import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'

/** The key of a barrier message: `{"__barrier": id}`. */
export const BARRIER = '__barrier'

export interface Received {
  topic: string
  message: Record<string, unknown>
  at: number
}

/** A real mqtt.js client that records what it receives and can wait for a message. */
export class TestClient {
  readonly client: MqttClient
  readonly received: Received[] = []
  /** Filters this client subscribed to, in order (a barrier is sent on the first literal one). */
  readonly subscriptions: string[] = []
  readonly #waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = []
  readonly #barriers = new Map<string, () => void>()

  private constructor(client: MqttClient) {
    this.client = client
    client.on('message', (topic, payload) => {
      let message: Record<string, unknown>
      try {
        message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>
      } catch {
        message = { raw: payload.toString('utf8') }
      }
      // a barrier (tests/support/barrier.ts) is the test's own marker, never part of what was received
      if (typeof message[BARRIER] === 'string') {
        this.#barriers.get(message[BARRIER] as string)?.()
        return
      }
      const r = { topic, message, at: performance.now() }
      this.received.push(r)
      for (const w of [...this.#waiters]) {
        if (w.match(r)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1)
          w.resolve(r)
        }
      }
    })
  }

  static async connect(
    url: string,
    username: string,
    password: string,
    options: IClientOptions = {},
  ): Promise<TestClient> {
    const client = mqtt.connect(url, {
      username,
      password,
      clientId: `${username}-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...options,
    })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    return new TestClient(client)
  }

  /** The granted QoS per filter, as the SUBACK says it (128 = refused). */
  async subscribe(topic: string): Promise<number[]> {
    try {
      const granted = await this.client.subscribeAsync(topic, { qos: 1 })
      this.subscriptions.push(topic)
      return granted.map((g) => g.qos)
    } catch (error) {
      const packet = (error as { packet?: { granted?: (number | { qos: number })[] } }).packet
      if (!packet?.granted) throw error
      return packet.granted.map((g) => (typeof g === 'number' ? g : g.qos))
    }
  }

  async publish(topic: string, message: unknown, qos: 0 | 1 = 1): Promise<void> {
    const payload =
      typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message)
    await this.client.publishAsync(topic, payload, { qos })
  }

  /** The first message (already received or coming) that matches. */
  next(match: (r: Received) => boolean, timeoutMs = 5_000, label = 'message'): Promise<Received> {
    const already = this.received.find(match)
    if (already) return Promise.resolve(already)
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve }
      this.#waiters.push(waiter)
      setTimeout(() => {
        const i = this.#waiters.indexOf(waiter)
        if (i >= 0) {
          this.#waiters.splice(i, 1)
          reject(
            new Error(
              `timed out waiting for ${label}; got ${JSON.stringify(this.received.map((r) => r.message))}`,
            ),
          )
        }
      }, timeoutMs)
    })
  }

  /** Resolves when the barrier message `id` reaches this client (see tests/support/barrier.ts). */
  awaitBarrier(id: string, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#barriers.delete(id)
        reject(new Error(`barrier ${id} never arrived`))
      }, timeoutMs)
      this.#barriers.set(id, () => {
        clearTimeout(timer)
        this.#barriers.delete(id)
        resolve()
      })
    })
  }

  messages(filter: (r: Received) => boolean = () => true): Record<string, unknown>[] {
    return this.received.filter(filter).map((r) => r.message)
  }

  async end(): Promise<void> {
    await this.client.endAsync(true)
  }
}

/** Wait until `check` holds, polling the event loop (for effects that have no message to await). */
export async function eventually(
  check: () => boolean,
  timeoutMs = 3_000,
  label = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
