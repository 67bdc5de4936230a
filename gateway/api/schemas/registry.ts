import { z } from 'zod'
import {
  carerBody,
  deviceBody,
  elderBody,
  gridPath,
  resourceId,
  risks,
  roles,
  serviceBody,
  stationBody,
} from '../../registry/schemas.ts'

/**
 * The registry's records as the API answers them (contract: "Resource shapes"): the PUT body with
 * its id and times, never a secret or a password.
 */

/** Epoch milliseconds. */
export const ms = z.number().int()
const stamps = { createdAt: ms, updatedAt: ms }

/** A list page: `next` is the cursor of the page after, absent on the last one. */
export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), next: z.string().optional() })
}

export const elder = elderBody.extend({ id: z.string(), risk: z.enum(risks), ...stamps })

export const device = deviceBody.omit({ secret: true }).extend({
  id: z.string(),
  intervalS: z.number().int(),
  ...stamps,
  /** From the device's last `status`. */
  online: z.boolean().optional(),
  battery: z.number().optional(),
  /** Its last message of any kind. */
  lastSeenAt: ms.optional(),
  lastTestAt: ms.optional(),
})

const position = z.strictObject({ lat: z.number(), lon: z.number(), at: ms })

export const carer = carerBody.omit({ secret: true }).extend({
  id: z.string(),
  ...stamps,
  duty: z.enum(['on', 'off']),
  position: position.optional(),
})

/** `GET /carers/{id}`: the record with the live duty, position and whether the carer holds an alarm. */
export const liveCarer = carer.extend({ busy: z.boolean().optional() })

export const service = serviceBody
  .omit({ secret: true })
  .extend({ id: z.string(), name: z.string(), ...stamps })

export const station = stationBody.extend({ id: z.string(), ...stamps })

export const user = z.strictObject({
  username: z.string(),
  role: z.enum(roles),
  name: z.string().optional(),
  grid: gridPath.optional(),
  carerId: resourceId.optional(),
  disabled: z.boolean(),
  ...stamps,
})

/** `GET /grids`: the names one level below `parent`, each with the number of elders under it. */
export const gridChildren = z.strictObject({
  parent: gridPath,
  items: z.array(z.strictObject({ name: z.string(), elders: z.number().int() })),
})
