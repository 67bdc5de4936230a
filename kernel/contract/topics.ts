import type { z } from 'zod'
import {
  cancelPayload,
  carerLocPayload,
  dutyPayload,
  eventPayload,
  locPayload,
  replyPayload,
  sosPayload,
  statusPayload,
  vitalsPayload,
} from './payloads.ts'

/**
 * The typed topic map of the contract (v1). The broker's ACL, the gateway's
 * handlers, the simulator and the tests all read topics from here.
 */
export const TOPIC_ROOT = 'care/v1'

export const deviceUplinks = {
  sos: sosPayload,
  loc: locPayload,
  event: eventPayload,
  vitals: vitalsPayload,
  status: statusPayload,
  cancel: cancelPayload,
} as const
export type DeviceUplink = keyof typeof deviceUplinks

export const carerUplinks = {
  loc: carerLocPayload,
  duty: dutyPayload,
  reply: replyPayload,
} as const
export type CarerUplink = keyof typeof carerUplinks

export type PrincipalKind = 'device' | 'carer' | 'service'

export const topics = {
  deviceUplink: (deviceId: string, leaf: DeviceUplink) => `${TOPIC_ROOT}/dev/${deviceId}/${leaf}`,
  deviceNotify: (deviceId: string) => `${TOPIC_ROOT}/dev/${deviceId}/notify`,
  carerUplink: (carerId: string, leaf: CarerUplink) => `${TOPIC_ROOT}/carer/${carerId}/${leaf}`,
  carerTask: (carerId: string) => `${TOPIC_ROOT}/carer/${carerId}/task`,
  /** While the carer holds a `fence_exit` alarm: the wandering elder's every new fix (QoS 0). */
  carerTrack: (carerId: string) => `${TOPIC_ROOT}/carer/${carerId}/track`,
  alarmEvents: `${TOPIC_ROOT}/events/alarm`,
  eventsFilter: `${TOPIC_ROOT}/events/#`,
} as const

/** Uplinks that open or close alarms: stored before their PUBACK. */
export const durableDeviceUplinks: ReadonlySet<DeviceUplink> = new Set(['sos', 'event', 'cancel'])

export type ParsedTopic =
  | { kind: 'device'; id: string; leaf: DeviceUplink }
  | { kind: 'device-notify'; id: string }
  | { kind: 'carer'; id: string; leaf: CarerUplink }
  | { kind: 'carer-task'; id: string }
  | { kind: 'carer-track'; id: string }
  | { kind: 'events'; rest: string }

export const PRINCIPAL_ID = /^[A-Za-z0-9_-]{3,64}$/

function isDeviceUplink(leaf: string): leaf is DeviceUplink {
  return Object.hasOwn(deviceUplinks, leaf)
}

function isCarerUplink(leaf: string): leaf is CarerUplink {
  return Object.hasOwn(carerUplinks, leaf)
}

/** Parse a topic of the contract; anything else is `undefined`. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/')
  if (parts[0] !== 'care' || parts[1] !== 'v1') return undefined
  const [, , scope, id, leaf, extra] = parts
  if (scope === 'events' && id !== undefined) return { kind: 'events', rest: parts.slice(3).join('/') }
  if (id === undefined || leaf === undefined || extra !== undefined || !PRINCIPAL_ID.test(id))
    return undefined
  if (scope === 'dev') {
    if (leaf === 'notify') return { kind: 'device-notify', id }
    if (isDeviceUplink(leaf)) return { kind: 'device', id, leaf }
  }
  if (scope === 'carer') {
    if (leaf === 'task') return { kind: 'carer-task', id }
    if (leaf === 'track') return { kind: 'carer-track', id }
    if (isCarerUplink(leaf)) return { kind: 'carer', id, leaf }
  }
  return undefined
}

export type UplinkSchema = z.ZodType

/** Whether an MQTT subscription filter (with `+` and a trailing `#`) covers a topic. */
export function filterCovers(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}
