import type { TaskMessage } from '../../kernel/contract/payloads.ts'
import type { Elder } from '../registry/schemas.ts'
import { taskMessage } from './messages.ts'
import type { AlarmState } from './model.ts'
import type { AlarmRepository } from './ports.ts'

/** A task as a carer's phone lists it: the downlink, plus the alarm's state for the alarms the carer holds. */
export type OpenTask = TaskMessage & { state?: AlarmState }

/**
 * A carer's open work: the alarms they hold (with the alarm's state), then the offers still
 * standing, the oldest first. What `GET /carers/{id}/tasks` answers and what a phone is sent
 * again when it subscribes. An offer past its deadline is about to be withdrawn by its expiry:
 * it is not work to send.
 */
export async function openTasks(
  repo: AlarmRepository,
  carerId: string,
  now: number,
  elderOf: (id: string) => Elder | undefined,
): Promise<OpenTask[]> {
  const held = await repo.list({ carerId, state: ['accepted', 'arrived'], limit: 50 })
  const tasks: OpenTask[] = []
  for (const alarm of held.items) {
    const entries = await repo.timeline(alarm.id)
    const taken = entries
      .reverse()
      .find((e) => (e.type === 'accepted' || e.type === 'reassigned') && e.carerId === carerId)
    const route = { distanceM: Number(taken?.data?.distanceM ?? 0), etaMin: Number(taken?.data?.etaMin ?? 0) }
    tasks.push({ ...taskMessage('assigned', alarm, elderOf(alarm.elderId), route), state: alarm.state })
  }
  for (const { alarmId, offer } of await repo.pendingOffersOf(carerId)) {
    const alarm = await repo.get(alarmId)
    if (alarm?.state !== 'offered' || offer.expiresAt <= now) continue
    tasks.push(taskMessage('offer', alarm, elderOf(alarm.elderId), offer))
  }
  return tasks
}
