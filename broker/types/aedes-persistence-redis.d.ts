declare module 'aedes-persistence-redis' {
  import type { RedisOptions } from 'ioredis'

  interface RedisPersistenceOptions extends RedisOptions {
    /** Queued messages handed to a client at its CONNECT, at most (the library's default 1000). */
    maxSessionDelivery?: number
    /** Seconds an offline message is kept; none by default. */
    packetTTL?: (packet: unknown) => number
  }

  interface RedisPersistence {
    setup(broker: unknown): Promise<void>
    destroy(): Promise<void>
  }

  export default function aedesPersistenceRedis(options?: RedisPersistenceOptions): RedisPersistence
}
