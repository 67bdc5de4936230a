import { z } from 'zod'
import { deviceCommand } from '../../../kernel/contract/commands.ts'
import { ms } from './registry.ts'

/** `POST /devices/{id}/commands`: the command (kernel/contract/commands.ts), and what was done with it. */
export const commandBody = deviceCommand

export const commandSent = z.strictObject({
  deviceId: z.string(),
  command: commandBody,
  /** When the gateway wrote it to the device's connection; the device answers in its own time. */
  sentAt: ms,
})
