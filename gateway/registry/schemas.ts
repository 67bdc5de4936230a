import { z } from 'zod'
import { latitude, longitude } from '../../kernel/contract/payloads.ts'
import { travelModes } from '../dispatch/types.ts'

/** Request bodies of the registry's PUTs (contract: "Resource shapes"). */

export const resourceId = z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'must be 3-64 letters, digits, _ or -')
export const point = z.object({ lat: latitude, lon: longitude }).strict()
export const risks = ['high', 'medium', 'low', 'safe'] as const
const phone = z.string().regex(/^\+?[0-9 ()-]{3,32}$/, 'must be a phone number')
const text = (max: number) => z.string().max(max)
export const gridPath = z.array(z.string().min(1).max(64)).max(7)

export const contact = z.object({ name: text(64).min(1), relation: text(32).optional(), phone }).strict()

export const elderBody = z
  .object({
    name: text(64).min(1),
    phone: phone.optional(),
    address: text(256).optional(),
    grid: gridPath.optional(),
    home: point,
    risk: z.enum(risks).default('medium'),
    notes: text(2000).optional(),
    contacts: z.array(contact).max(10).optional(),
    fence: z
      .object({ radiusM: z.number().min(20).max(50_000) })
      .strict()
      .optional(),
    /** Per-elder vitals thresholds (contract default: heart rate < 40 or > 130, SpO2 < 90). */
    vitals: z
      .object({
        hrLow: z.number().min(0).max(300).optional(),
        hrHigh: z.number().min(0).max(300).optional(),
        spo2Low: z.number().min(0).max(100).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

export const deviceKinds = ['phone', 'terminal', 'watch', 'sensor'] as const
export const secret = z.string().min(8, 'must be at least 8 characters').max(128)

/**
 * docs/decisions.md, "A replaced record keeps its secret": `secret` (a user's `password`) is needed to
 * create; left out of a replacing PUT it keeps the stored one, so the console edits a record without
 * knowing its secret.
 */
export const deviceBody = z
  .object({
    kind: z.enum(deviceKinds),
    elderId: resourceId,
    secret: secret.optional(),
    intervalS: z.number().int().min(10).max(86_400).default(300),
  })
  .strict()

export const carerBody = z
  .object({
    name: text(64).min(1),
    phone: phone.optional(),
    station: text(128).optional(),
    /** The service station the carer belongs to (a registered one); `station` stays as free text. */
    stationId: resourceId.optional(),
    mode: z.enum(travelModes),
    skills: z.array(text(32)).max(20).optional(),
    secret: secret.optional(),
    base: point.optional(),
  })
  .strict()

export const roles = ['admin', 'dispatcher', 'supervisor', 'carer'] as const
export type Role = (typeof roles)[number]

export const userBody = z
  .object({
    role: z.enum(roles),
    password: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
    name: text(64).optional(),
    grid: gridPath.optional(),
    carerId: resourceId.optional(),
  })
  .strict()
  .refine((u) => u.role !== 'carer' || u.carerId !== undefined, {
    message: 'a carer user needs carerId',
    path: ['carerId'],
  })

/** An integration's MQTT identity: reads `care/v1/events/#`, nothing else. */
export const serviceBody = z
  .object({
    name: z.string().max(100).optional(),
    secret: secret.optional(),
  })
  .strict()

/** A bulk import creates as often as it replaces: each device or carer row carries its secret (docs/import.md). */
export const deviceImportBody = deviceBody.extend({ secret })
export const carerImportBody = carerBody.omit({ stationId: true }).extend({ secret })

/** A service station (服务站): a unit that carers belong to, read per station in the ledger and stats. */
export const stationBody = z
  .object({
    name: text(64).min(1),
    address: text(256).optional(),
    phone: phone.optional(),
    grid: gridPath.optional(),
    location: point.optional(),
  })
  .strict()
export type StationBody = z.infer<typeof stationBody>
export type Station = StationBody & { id: string; createdAt: number; updatedAt: number }

export type ElderBody = z.infer<typeof elderBody>
export type ServiceBody = z.infer<typeof serviceBody>
export type Service = { id: string; name: string; createdAt: number; updatedAt: number }
export type DeviceBody = z.infer<typeof deviceBody>
export type CarerBody = z.infer<typeof carerBody>
export type UserBody = z.infer<typeof userBody>

export type Elder = ElderBody & { id: string; createdAt: number; updatedAt: number }
export type Device = Omit<DeviceBody, 'secret'> & {
  id: string
  createdAt: number
  updatedAt: number
  online?: boolean
  battery?: number
  lastSeenAt?: number
  lastTestAt?: number
}
export type Carer = Omit<CarerBody, 'secret'> & {
  id: string
  createdAt: number
  updatedAt: number
  duty: 'on' | 'off'
  position?: { lat: number; lon: number; at: number }
}
export type User = Omit<UserBody, 'password'> & {
  username: string
  /** A disabled user cannot log in and their tokens are refused (POST /users/{username}/disable). */
  disabled: boolean
  createdAt: number
  updatedAt: number
}

/** Grid paths are stored joined, with a trailing separator, so a prefix match never splits a name. */
export function gridKey(grid: readonly string[] | undefined): string {
  return grid && grid.length > 0 ? `${grid.join('\u001f')}\u001f` : ''
}
