import { z } from 'zod'
import { ConfigError, envName } from '../config.ts'

/**
 * The flows' own settings (docs/flows.md), read from the same kind of `CARE_FLOWS_*` variables as the
 * gateway's configuration but kept apart from it: they are the shipped flows' defaults, which
 * operators may also change in the editor, not the gateway's contract.
 */
const shape = {
  /** Encrypts the flows' credentials file; unset: a random one kept in the store. */
  flowsCredentialSecret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The family-SMS flow's HTTP SMS gateway: URL, method and a JSON body with {{phone}}, {{text}}, {{alarmId}}. */
  flowsSmsUrl: z.url().optional(),
  flowsSmsMethod: z.enum(['POST', 'PUT', 'GET']).default('POST'),
  flowsSmsTemplate: z.string().min(2).default('{"phone":"{{phone}}","text":"{{text}}"}'),
  flowsSmsRetries: z.coerce.number().int().min(0).max(10).default(3),
  flowsSmsBackoffMs: z.coerce.number().int().min(10).max(600_000).default(5000),
  /** The 12349 hotline's webhook for escalated alarms. */
  flowsHotlineUrl: z.url().optional(),
  /** Where the daily report and the device-care list are posted (also written as CSV under the data dir). */
  flowsReportUrl: z.url().optional(),
  /** Local time (HH:MM) of the daily report and the device-care list. */
  flowsReportAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
    .default('07:00'),
} as const

export const flowsConfigSchema = z.object(shape).strict()
export type FlowsConfig = Readonly<z.infer<typeof flowsConfigSchema>>

export function loadFlowsConfig(env: NodeJS.ProcessEnv = process.env): FlowsConfig {
  const values: Record<string, unknown> = {}
  for (const key of Object.keys(shape)) {
    const value = env[envName(key)]
    if (value !== undefined && value !== '') values[key] = value
  }
  const parsed = flowsConfigSchema.safeParse(values)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${envName(String(issue.path[0] ?? ''))}: ${issue.message}`,
    )
    throw new ConfigError(`invalid flows configuration:\n  ${lines.join('\n  ')}`)
  }
  try {
    JSON.parse(parsed.data.flowsSmsTemplate)
  } catch {
    throw new ConfigError('CARE_FLOWS_SMS_TEMPLATE: not valid JSON')
  }
  return Object.freeze(parsed.data)
}
