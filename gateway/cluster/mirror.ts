import type { CarerBook, CarerUpdate } from '../carers/book.ts'
import type { LiveEvent, LiveHub, Unsequenced } from '../live/hub.ts'
import type { RegistryChange } from '../registry/changes.ts'
import type { Registry } from '../registry/registry.ts'
import type { ClusterBus, ClusterMessage } from './bus.ts'

export interface MirrorParts {
  bus: ClusterBus
  live: LiveHub
  carers: CarerBook
  registry: Registry
  /** Closes this node's connections made with sessions that ended on another node. */
  endSessions: (sessions: readonly string[]) => void
  /** Reads again from the store what the others may have changed while the bus was away. */
  resync: () => Promise<void>
}

type Message = ClusterMessage<Unsequenced<LiveEvent>, CarerUpdate, RegistryChange>

/**
 * Cluster mode: this node's memory follows what the others change, and the others hear what
 * changes here (docs/cluster.md, "What the nodes tell each other"). The carer book's own changes
 * reach the bus through its `share` hook, given when it is made.
 */
export function mirrorCluster(p: MirrorParts): void {
  p.live.relay = (event) => p.bus.send({ type: 'live', event } satisfies Message)
  p.registry.subscribe('cluster', (change) => {
    if (!change.remote) p.bus.send({ type: 'registry', change } satisfies Message)
  })
  p.bus.back(() => {
    p.resync().catch(() => {
      // the next loss and return tries again; the store stays the truth meanwhile
    })
  })
  p.bus.receive((received) => {
    const message = received as Message
    switch (message.type) {
      case 'live':
        p.live.remote(message.event)
        break
      case 'carer':
        p.carers.mirror(message.update)
        break
      case 'registry':
        p.registry.mirror(message.change)
        break
      case 'sessions-ended':
        p.endSessions(message.sessions)
        break
      case 'rearm':
        break // the cluster node's own (./node.ts)
    }
  })
}
