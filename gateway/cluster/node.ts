import type { Logger } from '../../kernel/observe/log.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Scheduler } from '../../kernel/ports/scheduler.ts'
import type { Alarm } from '../alarms/model.ts'
import type { ClusterBus } from './bus.ts'
import { type LaneStore, Lanes, laneOf } from './lanes.ts'
import { kindOf, OwnedScheduler, subjectOf } from './owned.ts'

/** What the cluster asks of the domains whose deadlines it places (docs/cluster.md, "Deadlines"). */
export interface DeadlineOwners {
  alarms: {
    rearm(alarmId: string): Promise<unknown>
    restore(only: (alarm: Alarm) => boolean): Promise<{ open: number; armed: number }>
    resendOpenWorkOf(only: (alarm: Alarm) => boolean): Promise<number>
  }
  visits: {
    rearm(visitId: string): Promise<void>
    armDue(only: (visitId: string) => boolean): Promise<number>
  }
  carers: { rearmSilence(carerId: string): void; rearmAllSilence(): void }
  devices: { restore(only: (deviceId: string) => boolean): Promise<void> }
}

export interface ClusterNodeOptions {
  bus: ClusterBus
  store: LaneStore
  clock: Clock
  scheduler: Scheduler
  log: Logger
  /** Lease renewal and length (defaults 1 s and 5 s). */
  everyMs?: number | undefined
  ttlMs?: number | undefined
}

/**
 * One gateway process of a cluster: its lanes, the scheduler its domains arm deadlines on, and the
 * routing of "work this deadline out again" between the nodes.
 */
export class ClusterNode {
  readonly lanes: Lanes
  readonly scheduler: OwnedScheduler
  readonly #o: ClusterNodeOptions
  #owners: DeadlineOwners | undefined
  /** What the first round of lanes rebuilt (the start's account). */
  restored = { open: 0, armed: 0 }

  constructor(o: ClusterNodeOptions) {
    this.#o = o
    this.lanes = new Lanes({
      node: o.bus.node,
      store: o.store,
      clock: o.clock,
      scheduler: o.scheduler,
      log: o.log,
      ...(o.everyMs ? { everyMs: o.everyMs } : {}),
      ...(o.ttlMs ? { ttlMs: o.ttlMs } : {}),
      gained: (lanes) => this.#gained(lanes),
    })
    this.scheduler = new OwnedScheduler(o.scheduler, this.lanes, (key) => {
      // a carer's silence follows their news on the bus (CarerBook.mirror), and a device's is
      // watched by its lane's node from the store's last-heard times: neither needs telling
      const kind = kindOf(key)
      if (kind !== 'carer-silence' && kind !== 'silence') o.bus.send({ type: 'rearm', key })
    })
    o.bus.receive((message) => {
      if (message.type === 'rearm') this.#rearm(message.key)
    })
  }

  /** The domains are made: take this node's lanes and rebuild their deadlines. */
  async start(owners: DeadlineOwners): Promise<void> {
    this.#owners = owners
    await this.lanes.start()
  }

  async stop(): Promise<void> {
    await this.lanes.stop()
  }

  #rearm(key: string): void {
    const owners = this.#owners
    const id = subjectOf(key)
    if (!owners || !this.lanes.owns(id)) return
    const done = (() => {
      switch (kindOf(key)) {
        case 'offer':
        case 'remind':
        case 'respond':
          return owners.alarms.rearm(id)
        case 'visit':
          return owners.visits.rearm(id)
        case 'carer-silence':
          owners.carers.rearmSilence(id)
          return Promise.resolve()
        default:
          return Promise.resolve()
      }
    })()
    done.catch((error: unknown) => this.#o.log.error({ err: error, key }, 'cluster: deadline not rearmed'))
  }

  async #gained(lanes: ReadonlySet<number>): Promise<void> {
    const owners = this.#owners
    if (!owners) return
    const mine = (id: string) => lanes.has(laneOf(id))
    const restored = await owners.alarms.restore((alarm) => mine(alarm.id))
    this.restored = { open: this.restored.open + restored.open, armed: this.restored.armed + restored.armed }
    // offers a node stored but died before sending reach their carers from here
    await owners.alarms.resendOpenWorkOf((alarm) => mine(alarm.id))
    await owners.visits.armDue(mine)
    owners.carers.rearmAllSilence()
    await owners.devices.restore(mine)
  }
}
