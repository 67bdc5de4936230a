import { z } from 'zod'

/**
 * Every MQTT payload of the contract (v1), one zod schema each.
 * Types derive from the schemas; nothing inside the gateway sees raw JSON.
 */

export const latitude = z.number().min(-90).max(90)
export const longitude = z.number().min(-180).max(180)
/** Epoch milliseconds by the device's clock: after 2000-01-01, before 2100. */
export const epochMs = z.number().int().min(946_684_800_000).max(4_102_444_800_000)
/** Message id making a device message idempotent; numbers are taken as their decimal text. */
export const messageId = z
  .union([z.string().min(1).max(64), z.number().int().nonnegative()])
  .transform((v) => String(v))
export const battery = z.number().min(0).max(100)
export const accuracy = z.number().min(0).max(100_000)

/** An optional position that must come as a pair. */
const optionalFix = {
  lat: latitude.optional(),
  lon: longitude.optional(),
}
function pairedFix(v: { lat?: number | undefined; lon?: number | undefined }): boolean {
  return (v.lat === undefined) === (v.lon === undefined)
}
const pairedFixMessage = { message: 'lat and lon must come together', path: ['lat'] }

export const sosPayload = z
  .object({
    id: messageId,
    ts: epochMs,
    ...optionalFix,
    acc: accuracy.optional(),
    battery: battery.optional(),
    test: z.boolean().optional(),
  })
  .refine(pairedFix, pairedFixMessage)

export const locPayload = z.object({
  ts: epochMs,
  lat: latitude,
  lon: longitude,
  acc: accuracy.optional(),
  src: z.enum(['gps', 'wifi', 'lbs']).optional(),
  speed: z.number().min(0).max(500).optional(),
  battery: battery.optional(),
})

export const deviceEventTypes = [
  'fall',
  'inactivity',
  'fence_exit',
  'vitals',
  'low_battery',
  'smoke',
  'gas',
  'water',
  'door',
  'tamper',
  'power_off',
] as const
export type DeviceEventType = (typeof deviceEventTypes)[number]

export const eventPayload = z
  .object({
    id: messageId,
    ts: epochMs,
    type: z.enum(deviceEventTypes),
    value: z.union([z.number(), z.string().max(200), z.boolean()]).optional(),
    ...optionalFix,
  })
  .refine(pairedFix, pairedFixMessage)

export const vitalsPayload = z.object({
  ts: epochMs,
  hr: z.number().min(0).max(300).optional(),
  spo2: z.number().min(0).max(100).optional(),
  sys: z.number().min(0).max(300).optional(),
  dia: z.number().min(0).max(300).optional(),
  temp: z.number().min(25).max(45).optional(),
  steps: z.number().int().min(0).max(1_000_000).optional(),
})

export const statusPayload = z.object({
  online: z.boolean(),
  battery: battery.optional(),
  fw: z.string().max(64).optional(),
})

export const cancelPayload = z.object({
  id: messageId,
  ts: epochMs,
  ref: messageId.optional(),
})

export const carerLocPayload = z.object({
  ts: epochMs,
  lat: latitude,
  lon: longitude,
  acc: accuracy.optional(),
})

export const dutyPayload = z.object({ status: z.enum(['on', 'off']) })

export const outcomes = ['assisted', 'false_alarm', 'hospital', 'no_answer', 'other'] as const
export type Outcome = (typeof outcomes)[number]

export const replyPayload = z
  .object({
    alarmId: z.string().min(1).max(64),
    action: z.enum(['accept', 'decline', 'arrive', 'resolve']),
    ts: epochMs,
    ...optionalFix,
    outcome: z.enum(outcomes).optional(),
    note: z.string().max(1000).optional(),
  })
  .refine(pairedFix, pairedFixMessage)

export type SosPayload = z.infer<typeof sosPayload>
export type LocPayload = z.infer<typeof locPayload>
export type EventPayload = z.infer<typeof eventPayload>
export type VitalsPayload = z.infer<typeof vitalsPayload>
export type StatusPayload = z.infer<typeof statusPayload>
export type CancelPayload = z.infer<typeof cancelPayload>
export type CarerLocPayload = z.infer<typeof carerLocPayload>
export type DutyPayload = z.infer<typeof dutyPayload>
export type ReplyPayload = z.infer<typeof replyPayload>

/** Downlink to a device: `care/v1/dev/{deviceId}/notify`. */
export interface NotifyMessage {
  alarmId: string
  state: 'received' | 'assigned' | 'arrived' | 'resolved' | 'cancelled' | 'test_ok'
  text: string
  etaMin?: number
  carer?: { name: string; phone: string }
}

/** Downlink to a carer: `care/v1/carer/{carerId}/task`. */
/**
 * Carer downlink `care/v1/carer/{carerId}/track` (QoS 0), and the live stream's `track` event: a new
 * fix of an elder whose `fence_exit` alarm is open (防走失), so navigation follows the latest one.
 */
export interface TrackMessage {
  alarmId: string
  elderId: string
  deviceId: string
  lat: number
  lon: number
  acc?: number
  /** The device's time of the fix, and the gateway's when it arrived. */
  ts: number
  receivedAt: number
}

export interface TaskMessage {
  alarmId: string
  action: 'offer' | 'assigned' | 'withdrawn' | 'reminder'
  expiresAt?: number
  alarm: { kind: string; priority: number; raisedAt: number }
  elder: {
    id: string
    name: string
    phone: string
    address: string
    lat: number
    lon: number
    notes: string
    contacts: { name: string; relation?: string | undefined; phone: string }[]
  }
  distanceM: number
  etaMin: number
}

/** Integration event: `care/v1/events/alarm`, one per timeline entry. */
export interface AlarmEventMessage {
  alarmId: string
  seq: number
  type: string
  at: number
  elderId: string
  deviceId?: string
  kind: string
  priority: number
  state: string
  escalated: boolean
  carerId?: string
  actor?: string
  note?: string
  outcome?: string
  grid?: string[]
}
