import type { TestClient } from './mqtt.ts'
import { BARRIER } from './mqtt.ts'

/** Whatever can publish on the gateway's own broker: the App's broker, in-process. */
export interface BrokerLike {
  publish(topic: string, message: unknown, options?: { qos?: 0 | 1 }): Promise<void>
}

let next = 0

/**
 * Proves quiet before a "nothing arrived" assertion. The gateway sends its
 * downlinks through the broker in the order it decides them; a marker
 * published through the same broker, after the action under test, reaches
 * each client only after everything the gateway sent it before. So once the
 * marker arrived, a message that has not arrived was never sent.
 */
export async function settled(broker: BrokerLike, ...clients: TestClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      const topic = client.subscriptions.find((f) => !f.includes('+') && !f.includes('#'))
      if (!topic) throw new Error('settled() needs a client with a literal subscription')
      const id = `b${++next}`
      const arrived = client.awaitBarrier(id)
      await broker.publish(topic, { [BARRIER]: id }, { qos: 1 })
      await arrived
    }),
  )
}
