/**
 * What the broker is told by whoever runs it: listeners, sizes and limits.
 * The gateway passes its validated configuration, whose keys these are; the
 * broker reads nothing else of the gateway's.
 */
export interface BrokerOptions {
  host: string
  mqttPort: number
  mqttsPort: number
  /** The plain (non-TLS) listener: `off` leaves only TLS and WebSocket. */
  mqttPlain: 'on' | 'off'
  tlsCert?: string | undefined
  tlsKey?: string | undefined
  maxPayloadBytes: number
  maxConnections: number
  drainTimeoutMs: number
  connectTimeoutMs: number
  /** Per-principal limits: telemetry messages a second and burst; alarm messages a second and burst. */
  mqttRatePerS: number
  mqttBurst: number
  mqttAlarmRatePerS: number
  mqttAlarmBurst: number
  /** QoS 1 telemetry held back (backpressure): at most this many at once, and this long without a break. */
  mqttMaxHeld: number
  mqttHoldMaxS: number
  /** Wrong secrets before a lock: per id, per source address; the lock's first and longest length. */
  mqttLoginFailures: number
  mqttLoginAddressFailures: number
  mqttLoginLockS: number
  mqttLoginLockMaxS: number
  /** Cluster mode: routing, sessions, subscriptions, retained messages and QoS 1 queues shared through this Redis. */
  redisUrl?: string | undefined
  /** The broker's id among the cluster's brokers. */
  nodeId?: string | undefined
}
