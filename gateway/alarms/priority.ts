import type { AlarmKind, Priority, Risk } from './model.ts'

/**
 * The contract's default priority table.
 * 1: sos, fall, smoke, gas, manual (unless given), fence_exit of a high-risk elder — offered in parallel
 * 2: fence_exit, vitals, inactivity, water; device_offline of a high-risk elder — one at a time
 * 3: device_offline — one at a time
 * 4: low_battery — never offered, shown to the centre only
 * Added (docs/visits.md): a carer's report that the elder needs help now is priority 1, a missed
 * visit priority 4 — both raised for the centre, never offered (`RaiseInput.forCentre`).
 */
export type PriorityTable = Readonly<Record<AlarmKind, Priority>>

export const defaultPriorities: PriorityTable = {
  sos: 1,
  fall: 1,
  smoke: 1,
  gas: 1,
  manual: 1,
  fence_exit: 2,
  vitals: 2,
  inactivity: 2,
  water: 2,
  device_offline: 3,
  low_battery: 4,
  help_needed: 1,
  visit_missed: 4,
}

export function priorityOf(kind: AlarmKind, risk: Risk, table: PriorityTable = defaultPriorities): Priority {
  const base = table[kind]
  // contract: a high-risk elder's fence exit is priority 1, their device going offline priority 2
  if (risk === 'high' && (kind === 'fence_exit' || kind === 'device_offline')) {
    return Math.max(1, base - 1) as Priority
  }
  return base
}
