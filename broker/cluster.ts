import aedesPersistenceRedis from 'aedes-persistence-redis'
import MQEmitterRedis from 'mqemitter-redis'

/**
 * What the brokers of a cluster share through Redis (docs/cluster.md): the message routing
 * (`mqemitter-redis`: a publish on one node reaches the subscribers on every node) and the MQTT
 * state (`aedes-persistence-redis`: sessions, subscriptions, retained messages, QoS 1 queues), so a
 * downlink made on node A reaches a carer connected to node B, and a persistent session outlives
 * the node it was made on.
 */
export interface SharedBrokerState {
  mq: unknown
  persistence: unknown
  /** After the broker closed: ends both Redis clients. */
  close(): Promise<void>
}

export function sharedBrokerState(redisUrl: string): SharedBrokerState {
  const url = new URL(redisUrl)
  const connection = {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // a command waits while Redis is away (a restart, a failover) rather than failing at once
    maxRetriesPerRequest: null,
  }
  const mq = MQEmitterRedis(connection)
  const persistence = aedesPersistenceRedis(connection)
  let closed = false
  return {
    mq,
    persistence,
    async close() {
      if (closed) return
      closed = true
      // without a callback: the callback form waits for a 'ready' only the library's own set-up path sends
      await persistence.destroy()
    },
  }
}
