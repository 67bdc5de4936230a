import type { MqttClient } from 'mqtt'
import {
  carerTaskTopic,
  carerTrackTopic,
  connackCode,
  loadMqtt,
  mqttUrl,
  refusedFilter,
} from '../shared/mqtt.ts'
import type { TaskMessage, TrackMessage } from './tasks.ts'

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'elsewhere'

/** How long mqtt.js waits before each reconnect. */
const RECONNECT_MS = 2_000
/** CONNACK 3 (server unavailable: the gateway is at its connection cap): try again later. */
const BUSY_RETRY_MS = 10_000

/**
 * The carer's phone as an MQTT client (docs/contract.md, "Carer uplinks" and "Carer downlink"):
 * signed in with the carer id and its session token over the WebSocket at `/mqtt`, subscribed to its own
 * `task` downlink, publishing `duty`, `reply` and `loc`. The client id is kept per browser and the
 * session is not clean, so task messages sent while the signal was gone come when it is back.
 */
export class CarerLink {
  readonly carerId: string
  readonly #token: string
  readonly #onTask: (m: TaskMessage) => void
  readonly #onStatus: (s: LinkStatus) => void
  readonly #onTrack: (m: TrackMessage) => void
  #client: MqttClient | undefined
  #status: LinkStatus = 'connecting'

  constructor(
    credentials: { carerId: string; token: string },
    onTask: (m: TaskMessage) => void,
    onStatus: (s: LinkStatus) => void,
    onTrack: (m: TrackMessage) => void = () => undefined,
  ) {
    this.carerId = credentials.carerId
    this.#token = credentials.token
    this.#onTask = onTask
    this.#onStatus = onStatus
    this.#onTrack = onTrack
  }

  get status(): LinkStatus {
    return this.#status
  }

  get connected(): boolean {
    return this.#client?.connected === true
  }

  /**
   * Connects once this is the only tab of the carer holding the link (Web Locks): two tabs with one
   * client id would keep taking the session from each other.
   */
  start(): void {
    const locks = navigator.locks
    if (!locks) {
      void this.#connect()
      return
    }
    const name = `care.carer.link.${this.carerId}`
    const hold = async () => {
      await this.#connect()
      await new Promise<never>(() => undefined) // held while the page lives
    }
    void locks.request(name, { ifAvailable: true }, async (lock) => {
      if (lock) return hold()
      this.#setStatus('elsewhere')
      return locks.request(name, hold)
    })
  }

  /** Publishes one uplink; resolves on the PUBACK (QoS 1), or once written (QoS 0). */
  async publish(leaf: 'duty' | 'reply' | 'loc', payload: object, qos: 0 | 1 = 1): Promise<void> {
    const client = this.#client
    if (!client) throw new Error('not connected')
    await client.publishAsync(`care/v1/carer/${this.carerId}/${leaf}`, JSON.stringify(payload), { qos })
  }

  /** Closes the connection as a lost signal would and comes back after `ms` (tests use it). */
  drop(ms = 0): void {
    const client = this.#client
    if (!client) return
    client.end(true, {}, () => {
      this.#setStatus('reconnecting')
      setTimeout(() => client.reconnect(), ms)
    })
  }

  stop(): void {
    this.#client?.end(true)
  }

  async #connect(): Promise<void> {
    const mqtt = await loadMqtt()
    const client = mqtt.connect(mqttUrl(), {
      username: this.carerId,
      password: this.#token,
      clientId: clientIdFor(this.carerId),
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: RECONNECT_MS,
      connectTimeout: 10_000,
      // a stale position must not go out after a reconnect as if it were new
      queueQoSZero: false,
    })
    this.#client = client
    this.#setStatus('connecting')
    client.on('connect', () => {
      // the session keeps the subscription; asking again costs nothing and covers a broker restart
      const wanted = {
        [carerTaskTopic(this.carerId)]: { qos: 1 as const },
        [carerTrackTopic(this.carerId)]: { qos: 0 as const },
      }
      client.subscribe(wanted, (error) => {
        if (error && refusedFilter(error)) {
          this.#setStatus('refused')
          client.end(true)
        } else if (!error) {
          this.#setStatus('live')
        } // any other failure is the connection going: mqtt.js reconnects
      })
    })
    client.on('reconnect', () => this.#setStatus('reconnecting'))
    client.on('offline', () => {
      if (this.#status !== 'refused') this.#setStatus('reconnecting')
    })
    client.on('error', (error) => {
      const code = connackCode(error)
      if (code === 4 || code === 5) {
        // the session ended (logout, a new secret, seven days): signing in again is the only way on
        this.#setStatus('refused')
        client.end(true)
      } else if (code === 3) {
        this.#setStatus('reconnecting')
        setTimeout(() => client.reconnect(), BUSY_RETRY_MS)
      }
    })
    client.on('message', (topic, payload) => {
      try {
        const message: unknown = JSON.parse(new TextDecoder().decode(payload))
        if (topic === carerTrackTopic(this.carerId)) this.#onTrack(message as TrackMessage)
        else this.#onTask(message as TaskMessage)
      } catch (error) {
        console.warn('task message not understood', error)
      }
    })
  }

  #setStatus(s: LinkStatus): void {
    this.#status = s
    this.#onStatus(s)
  }
}

/** One client id per carer and browser, kept, so the broker can hold the session across reconnects. */
function clientIdFor(carerId: string): string {
  const key = `care.carer.client.${carerId}`
  let id = localStorage.getItem(key)
  if (!id) {
    id = `web-${carerId}-${Math.random().toString(36).slice(2, 10)}`
    localStorage.setItem(key, id)
  }
  return id
}
