import type { NotifyMessage, TaskMessage } from '../../kernel/contract/payloads.ts'
import type { Elder } from '../registry/schemas.ts'
import type { Alarm } from './model.ts'
import { type Locale, notifyText } from './texts.ts'

/** The downlinks of the contract, as a port: the broker in production and in tests. */
export interface Downlink {
  notify(deviceId: string, message: NotifyMessage): void
  task(carerId: string, message: TaskMessage): void
}

export function taskMessage(
  action: TaskMessage['action'],
  alarm: Alarm,
  elder: Elder | undefined,
  route: { distanceM: number; etaMin: number; expiresAt?: number },
): TaskMessage {
  const message: TaskMessage = {
    alarmId: alarm.id,
    action,
    alarm: { kind: alarm.kind, priority: alarm.priority, raisedAt: alarm.raisedAt },
    elder: {
      id: alarm.elderId,
      name: elder?.name ?? '',
      phone: elder?.phone ?? '',
      address: elder?.address ?? '',
      lat: alarm.lat,
      lon: alarm.lon,
      notes: elder?.notes ?? '',
      contacts: (elder?.contacts ?? []).map((c) => ({ ...c })),
    },
    distanceM: Math.round(route.distanceM),
    etaMin: Math.round(route.etaMin * 10) / 10,
  }
  if (route.expiresAt !== undefined) message.expiresAt = route.expiresAt
  return message
}

export function notifyMessage(
  locale: Locale,
  alarmId: string,
  state: NotifyMessage['state'],
  extra: { carer?: { name: string; phone: string }; etaMin?: number } = {},
): NotifyMessage {
  const args: { carerName?: string; etaMin?: number } = {}
  if (extra.carer) args.carerName = extra.carer.name
  if (extra.etaMin !== undefined) args.etaMin = extra.etaMin
  const message: NotifyMessage = { alarmId, state, text: notifyText(locale, state, args) }
  if (extra.etaMin !== undefined) message.etaMin = Math.max(1, Math.ceil(extra.etaMin))
  if (extra.carer) message.carer = extra.carer
  return message
}
