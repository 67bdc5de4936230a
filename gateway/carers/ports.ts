import type { Point } from '../dispatch/types.ts'

/** A carer's duty and whereabouts as they were last stored (contract: both survive a restart). */
export interface CarerLiveState {
  id: string
  duty?: 'on' | 'off'
  position?: Point & { at: number }
  lastSeenAt?: number
}

/** Where the carer book keeps what carers said: duty, positions, when last heard. */
export interface CarerStateRepository {
  /** Every carer's stored duty, position and last word. */
  load(): Promise<CarerLiveState[]>
  saveDuty(id: string, duty: 'on' | 'off', at: number): Promise<void>
  savePosition(id: string, position: Point, at: number): Promise<void>
  saveSeen(id: string, at: number): Promise<void>
}
